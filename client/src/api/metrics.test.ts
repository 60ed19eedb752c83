import { describe, expect, it } from 'vitest';
import { uploadType, XLSX_TYPE } from './metrics';

describe('the metrics import', () => {
  it('sends a workbook as xlsx and anything else as CSV', () => {
    expect(uploadType({ name: 'NPS 2026.XLSX', type: '' })).toBe(XLSX_TYPE);
    expect(uploadType({ name: 'export', type: XLSX_TYPE })).toBe(XLSX_TYPE);
    expect(uploadType({ name: 'nps.csv', type: 'text/csv' })).toBe('text/csv');
    expect(uploadType({ name: 'nps.txt', type: 'text/plain' })).toBe('text/csv');
  });
});
