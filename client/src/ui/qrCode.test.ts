import { encode } from 'uqr';
import { describe, expect, it } from 'vitest';
import { QUIET_ZONE, drawQr, modulePath } from './qrCode';

/** Paint a path of `M{x} {y}h{n}v1h-{n}z` runs back into a matrix. */
function paint(path: string, size: number): boolean[][] {
  const grid = Array.from({ length: size }, () => Array.from({ length: size }, () => false));
  for (const match of path.matchAll(/M(\d+) (\d+)h(\d+)v1h-(\d+)z/g)) {
    const [x, y, n] = [Number(match[1]), Number(match[2]), Number(match[3])];
    for (let i = 0; i < n; i += 1) {
      const row = grid[y];
      if (row === undefined || row[x + i] === undefined) throw new Error('outside the grid');
      row[x + i] = true;
    }
  }
  return grid;
}

describe('qr drawing', () => {
  it('merges runs of dark modules in a row', () => {
    expect(modulePath([[true, true, false, true]])).toBe('M0 0h2v1h-2zM3 0h1v1h-1z');
    expect(modulePath([[false], [true]])).toBe('M0 1h1v1h-1z');
    expect(modulePath([[false, false]])).toBe('');
  });

  it('draws exactly the modules uqr encodes, with a quiet zone', () => {
    const url = 'https://example.org/b/abc123#token=eyJiIjoiYWJjIiwiciI6InBhcnRpY2lwYW50In0.sig';
    const drawing = drawQr(url);
    const expected = encode(url, { ecc: 'M', border: QUIET_ZONE });
    expect(drawing.size).toBe(expected.size);
    expect(paint(drawing.path, drawing.size)).toEqual(expected.data);
    // The quiet zone stays light all round.
    const grid = paint(drawing.path, drawing.size);
    for (let i = 0; i < QUIET_ZONE; i += 1) {
      expect(grid[i]?.some(Boolean)).toBe(false);
      expect(grid[drawing.size - 1 - i]?.some(Boolean)).toBe(false);
      expect(grid.some((row) => row[i] === true)).toBe(false);
    }
  });
});
