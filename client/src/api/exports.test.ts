import { describe, expect, it } from 'vitest';
import { EXPORT_CHOICES, errorMessage, exportPath, filenameFrom } from './exports';

describe('exports', () => {
  it('reads the file name the server suggests', () => {
    expect(filenameFrom('attachment; filename="motor-claim-nordic.csv"', 'x')).toBe('motor-claim-nordic.csv');
    expect(filenameFrom(null, 'fallback')).toBe('fallback');
    expect(filenameFrom('inline', 'fallback')).toBe('fallback');
  });

  it('offers every format', () => {
    const paths = EXPORT_CHOICES.map((choice) => choice.path.split('?')[0]);
    expect(new Set(paths)).toEqual(
      new Set(['export.pdf', 'export.html', 'export.md', 'export.csv', 'export.poster-pdf', 'export.svg', 'export.json']),
    );
    const posters = EXPORT_CHOICES.filter((choice) => choice.path.startsWith('export.poster-pdf'));
    expect(posters.map((choice) => new URLSearchParams(choice.path.split('?')[1]).get('tile'))).toEqual([
      null,
      null,
      'A3',
      'A4',
    ]);
  });

  it('reads the message of an error answer', () => {
    expect(errorMessage({ error: { code: 'unknown_format', message: 'unknown format' } })).toBe('unknown format');
    expect(errorMessage({ error: 'x' })).toBeNull();
    expect(errorMessage(null)).toBeNull();
  });

  it("asks the report and the poster for the heat map's metric", () => {
    const pick = (path: string) => EXPORT_CHOICES.find((choice) => choice.path === path) ?? { label: 'export.pdf' as const, path };
    expect(exportPath(pick('export.poster-pdf?sheet=A1&tile=A3'), 'Wait time')).toBe(
      'export.poster-pdf?sheet=A1&tile=A3&heat=Wait+time',
    );
    expect(exportPath(pick('export.pdf'), 'nps')).toBe('export.pdf?heat=nps');
    expect(exportPath(pick('export.csv?dialect=excel'), 'nps')).toBe('export.csv?dialect=excel');
    expect(exportPath(pick('export.pdf'), null)).toBe('export.pdf');
  });
});
