import { describe, expect, it } from 'vitest';
import { scoreToY, seriesPath, seriesPoints, stageX, type ChartBox } from './curveChart';

const box: ChartBox = { width: 260, height: 80, left: 20, right: 0, top: 10, bottom: 10 };

describe('the portfolio chart geometry', () => {
  it('centres stages in their share and maps −3…+3 top to bottom', () => {
    expect(stageX(box, 0, 2)).toBe(80);
    expect(stageX(box, 1, 2)).toBe(200);
    expect(scoreToY(box, 3)).toBe(10);
    expect(scoreToY(box, -3)).toBe(70);
    expect(scoreToY(box, 0)).toBe(40);
    expect(scoreToY(box, 9)).toBe(10);
  });

  it('breaks the line where a stage has no value', () => {
    const points = seriesPoints(box, [1, 2, null, -1]);
    expect(points.map((p) => p.index)).toEqual([0, 1, 3]);
    expect(seriesPath(points)).toBe('M50.0 30.0L110.0 20.0M230.0 50.0');
  });
});
