import { describe, expect, it } from 'vitest';
import {
  CIVIDIS,
  contrast,
  heatColor,
  heatDomain,
  heatOf,
  inkOn,
  latest,
  luminance,
  metricChoices,
  metricLabel,
  parseMetrics,
  position,
  sparkline,
  valueText,
  type MetricsAnswer,
} from './metrics';

const DATA: MetricsAnswer = {
  touchpoints: {
    a: {
      nps: { unit: '', points: [{ date: '2026-01-01', value: -20 }, { date: '2026-02-01', value: 10 }] },
      'Wait time': { unit: 'min', points: [{ date: '2026-01-05', value: 4.5 }] },
    },
    b: { nps: { unit: '', points: [{ date: '2026-01-15', value: 50 }] } },
    c: { csat: { unit: '%', points: [{ date: '2026-01-15', value: 80 }] } },
  },
  last_import: null,
};

describe('reading GET /metrics', () => {
  it('keeps a good answer and sorts each series by date', () => {
    const read = parseMetrics({
      touchpoints: { a: { nps: { unit: '', points: [{ date: '2026-02-01', value: 3 }, { date: '2026-01-01', value: 1 }] } } },
      last_import: 'imp1',
      server_now_ms: 1,
    });
    expect(read?.last_import).toBe('imp1');
    expect(read?.touchpoints['a']?.['nps']?.points.map((p) => p.value)).toEqual([1, 3]);
  });

  it('refuses what is not one', () => {
    expect(parseMetrics(null)).toBeNull();
    expect(parseMetrics({ touchpoints: [], last_import: null })).toBeNull();
    expect(parseMetrics({ touchpoints: { a: { nps: { unit: '', points: [{ date: 1, value: 2 }] } } }, last_import: null })).toBeNull();
    expect(parseMetrics({ touchpoints: { a: { nps: { unit: '', points: [{ date: 'x', value: 'NaN' }] } } }, last_import: null })).toBeNull();
    expect(parseMetrics({ touchpoints: {}, last_import: 3 })).toBeNull();
  });
});

describe('the metrics offered', () => {
  it('offers NPS, CSAT, CES, then the KPIs by name', () => {
    expect(metricChoices(DATA, (a, b) => a.localeCompare(b))).toEqual(['nps', 'csat', 'ces', 'Wait time']);
    expect(metricChoices(null, (a, b) => a.localeCompare(b))).toEqual(['nps', 'csat', 'ces']);
    expect(metricLabel('nps')).toBe('NPS');
    expect(metricLabel('Wait time')).toBe('Wait time');
  });

  it("finds a touchpoint's latest value", () => {
    expect(latest(DATA, 'a', 'nps')).toEqual({ date: '2026-02-01', value: 10 });
    expect(latest(DATA, 'c', 'nps')).toBeNull();
    expect(latest(null, 'a', 'nps')).toBeNull();
  });
});

describe('the heat map scale', () => {
  it('spreads over the latest values of the touchpoints on the board', () => {
    expect(heatDomain(DATA, ['a', 'b', 'c'], 'nps')).toEqual({ low: 10, high: 50, unit: '' });
    expect(heatDomain(DATA, ['a'], 'Wait time')).toEqual({ low: 4.5, high: 4.5, unit: 'min' });
    expect(heatDomain(DATA, ['c'], 'nps')).toBeNull();
    // A touchpoint no longer on the board does not count.
    expect(heatDomain(DATA, ['b'], 'nps')).toEqual({ low: 50, high: 50, unit: '' });
  });

  it('maps values to 0…1, a single value to the middle', () => {
    const domain = { low: 10, high: 50, unit: '' };
    expect(position(domain, 10)).toBe(0);
    expect(position(domain, 50)).toBe(1);
    expect(position(domain, 30)).toBe(0.5);
    expect(position(domain, 99)).toBe(1);
    expect(position({ low: 4, high: 4, unit: '' }, 4)).toBe(0.5);
  });

  it('runs from cividis dark blue to yellow through its stops', () => {
    expect(heatColor(0)).toBe(CIVIDIS[0]);
    expect(heatColor(1)).toBe(CIVIDIS[CIVIDIS.length - 1]);
    expect(heatColor(4 / 9)).toBe(CIVIDIS[4]);
    expect(heatColor(-1)).toBe(CIVIDIS[0]);
  });

  it('rises in lightness all along, so it reads in greyscale', () => {
    let previous = -1;
    for (let i = 0; i <= 100; i++) {
      const now = luminance(heatColor(i / 100));
      expect(now).toBeGreaterThan(previous);
      previous = now;
    }
  });

  it('keeps card text at WCAG AA on every colour of the scale', () => {
    for (let i = 0; i <= 200; i++) {
      const fill = heatColor(i / 200);
      expect(contrast(fill, inkOn(fill))).toBeGreaterThanOrEqual(4.5);
    }
    expect(inkOn(CIVIDIS[0] ?? '')).toBe('#ffffff');
    expect(inkOn(CIVIDIS[9] ?? '')).toBe('#000000');
  });

  it("colours a touchpoint by its latest value, none without one", () => {
    const domain = heatDomain(DATA, ['a', 'b'], 'nps');
    expect(heatOf(DATA, domain, 'a', 'nps')).toMatchObject({ fill: CIVIDIS[0], ink: '#ffffff', value: 10, date: '2026-02-01' });
    expect(heatOf(DATA, domain, 'b', 'nps')?.fill).toBe(CIVIDIS[9]);
    expect(heatOf(DATA, domain, 'c', 'nps')).toBeNull();
  });
});

describe('the sparkline', () => {
  it('places dates by their distance in days and values upwards', () => {
    const line = sparkline(
      [
        { date: '2026-01-01', value: 0 },
        { date: '2026-01-02', value: 10 },
        { date: '2026-01-05', value: 5 },
      ],
      100,
      30,
      5,
    );
    expect(line.dots.map((d) => [d.x, d.y])).toEqual([
      [5, 25],
      [27.5, 5],
      [95, 15],
    ]);
    expect(line.path).toBe('M5 25 L27.5 5 L95 15');
    expect([line.low, line.high]).toEqual([0, 10]);
  });

  it('puts a single point, and a flat series, in the middle', () => {
    expect(sparkline([{ date: '2026-01-01', value: 3 }], 100, 30).dots[0]).toMatchObject({ x: 50, y: 15 });
    const flat = sparkline([{ date: '2026-01-01', value: 3 }, { date: '2026-01-03', value: 3 }], 100, 30, 0);
    expect(flat.dots.map((d) => d.y)).toEqual([15, 15]);
    expect(sparkline([], 100, 30)).toEqual({ path: '', dots: [], low: 0, high: 0 });
  });
});

describe('a value as text', () => {
  const format = (value: number, options: Intl.NumberFormatOptions): string => new Intl.NumberFormat('en', options).format(value);
  it('writes a true minus, one decimal at most, the unit after', () => {
    expect(valueText(format, -52)).toBe('\u221252');
    expect(valueText(format, 4.56, 'min')).toBe('4.6 min');
    expect(valueText(format, 71.5, '%')).toBe('71.5 %');
    expect(valueText((v, o) => new Intl.NumberFormat('sv', o).format(v), -1.5)).toBe('\u22121,5');
  });
});
