import { describe, expect, it } from 'vitest';
import {
  COLUMN_WIDTH,
  MAX_COLUMN_WIDTH,
  OPENING_MIN_ZOOM,
  fitView,
  mapWidth,
  openingView,
} from './layout';

describe('the opening zoom', () => {
  it('fits every stage in the width when that is 80% or more', () => {
    // A facilitator at 1366 px with the dock open: about 1078 px of map.
    const view = openingView(1078, 6, true);
    expect(view.zoom).toBeGreaterThanOrEqual(OPENING_MIN_ZOOM);
    expect(mapWidth(6, view.columnWidth, true) * view.zoom).toBeLessThanOrEqual(1078);
  });

  it('never opens below 80%: it scrolls instead', () => {
    expect(openingView(990, 6, true).zoom).toBe(0.8);
    expect(openingView(700, 12, false).zoom).toBe(0.8);
  });

  it('opens a board of few stages at 100% when they do not fit at 80%', () => {
    expect(openingView(500, 3, true)).toEqual({ zoom: 1, columnWidth: COLUMN_WIDTH });
  });

  it('never zooms past 100% but lets the columns use the free width, up to a maximum', () => {
    const view = openingView(1366, 6, false);
    expect(view.zoom).toBe(1);
    expect(view.columnWidth).toBeGreaterThan(COLUMN_WIDTH);
    expect(mapWidth(6, view.columnWidth, false)).toBeLessThanOrEqual(1366);
    expect(openingView(1920, 3, false).columnWidth).toBe(MAX_COLUMN_WIDTH);
  });
});

describe('fit journey', () => {
  it('fits the width, down to the overview', () => {
    const view = fitView(1000, 9, true);
    expect(view.zoom).toBeLessThan(OPENING_MIN_ZOOM);
    expect(mapWidth(9, view.columnWidth, true) * view.zoom).toBeLessThanOrEqual(1000);
    expect(fitView(400, 40, true).zoom).toBe(0.5);
  });
});
