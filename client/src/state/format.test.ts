import { describe, expect, it } from 'vitest';
import cases from '../../../shared_schema/examples/rounding.json';
import { dotRun, formatDate, localDecimal, formatOne, formatSignedOne, formatSignedWhole, formatWhole, isoDay } from './format';

describe('the rounding rule every export shares (shared_schema/examples/rounding.json)', () => {
  const forms = { one_decimal: formatOne, whole: formatWhole, signed_one_decimal: formatSignedOne,
    signed_whole: formatSignedWhole } as const;
  for (const [name, format] of Object.entries(forms)) {
    it(`writes ${name} as the server does`, () => {
      const table: ReadonlyArray<ReadonlyArray<number | string>> = cases[name as keyof typeof forms];
      expect(table.length).toBeGreaterThan(4);
      for (const [value, text] of table) {
        if (typeof value !== 'number' || typeof text !== 'string') throw new Error(`bad case ${String(value)}`);
        expect([value, format(value)]).toEqual([value, text]);
      }
    });
  }
});

describe('formatOne', () => {
  it('shows one decimal', () => {
    expect(formatOne(2)).toBe('2.0');
    expect(formatOne(10 / 3)).toBe('3.3');
    expect(formatOne(4.75)).toBe('4.8');
    expect(formatOne(0.04)).toBe('0.0');
  });

  it('rounds halves away from zero, as written in decimal', () => {
    expect(formatOne(2.25)).toBe('2.3');
    expect(formatOne(-2.25)).toBe('-2.3');
    expect(formatOne(1.45)).toBe('1.5'); // 1.45 is stored as 1.4499999…; toFixed(1) says 1.4
    expect(formatOne(-1.45)).toBe('-1.5');
    expect(formatOne(0.05)).toBe('0.1');
    expect(formatOne(4.95)).toBe('5.0');
  });

  it('never shows minus zero, and a dash for no number', () => {
    expect(formatOne(-0.04)).toBe('0.0');
    expect(formatOne(-0)).toBe('0.0');
    expect(formatOne(Number.NaN)).toBe('—');
    expect(formatOne(Number.POSITIVE_INFINITY)).toBe('—');
  });
});

describe('dotRun', () => {
  it('draws every dot up to the maximum, then one dot and a count', () => {
    expect(dotRun(0)).toEqual({ dots: 0, times: null });
    expect(dotRun(8)).toEqual({ dots: 8, times: null });
    expect(dotRun(12)).toEqual({ dots: 1, times: 12 });
    expect(dotRun(4, 3)).toEqual({ dots: 1, times: 4 });
    expect(dotRun(-2)).toEqual({ dots: 0, times: null });
  });
});

describe('dates', () => {
  it('writes an ISO date with the month as a word, and leaves anything else alone', () => {
    expect(formatDate('2025-06-30')).toBe('30 Jun 2025');
    expect(formatDate('2025-01-05')).toBe('5 Jan 2025');
    expect(formatDate('2025-13-05')).toBe('2025-13-05');
    expect(formatDate('soon')).toBe('soon');
    expect(formatDate('2025-06-30', 'sv-SE')).toBe('30 juni 2025');
    expect(formatDate('2025-02-30', 'sv-SE')).toBe('2025-02-30');
    expect(localDecimal('4.3', 'da-DK')).toBe('4,3');
    expect(localDecimal('\u22121.5', 'nb-NO')).toBe('\u22121,5');
    expect(localDecimal('4.3', 'en-GB')).toBe('4.3');
  });

  it('gives the local day as yyyy-mm-dd', () => {
    expect(isoDay(new Date(2025, 0, 5, 23, 59))).toBe('2025-01-05');
    expect(isoDay(new Date(2025, 11, 31, 0, 0))).toBe('2025-12-31');
  });
});
