import { describe, expect, it } from 'vitest';
import { EXPORT_CHOICES, filenameFrom } from './exports';

describe('exports', () => {
  it('reads the file name the server suggests', () => {
    expect(filenameFrom('attachment; filename="motor-claim-nordic.csv"', 'x')).toBe('motor-claim-nordic.csv');
    expect(filenameFrom(null, 'fallback')).toBe('fallback');
    expect(filenameFrom('inline', 'fallback')).toBe('fallback');
  });

  it('offers every format', () => {
    const paths = EXPORT_CHOICES.map((choice) => choice.path.split('?')[0]);
    expect(new Set(paths)).toEqual(new Set(['export.html', 'export.md', 'export.csv', 'export.svg', 'export.json']));
  });
});
