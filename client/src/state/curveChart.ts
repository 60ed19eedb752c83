// The geometry of the portfolio's curve charts (pure): stages along x, scores −3…+3 along y,
// one polyline per journey that breaks where a stage has no feeling yet.
export const SCORE_MIN = -3;
export const SCORE_MAX = 3;

export interface ChartBox {
  readonly width: number;
  readonly height: number;
  /** Room left of the plot for the axis labels, and around it. */
  readonly left: number;
  readonly right: number;
  readonly top: number;
  readonly bottom: number;
}

/** The x of stage `index` of `count`: the centre of its equal share of the plot. */
export function stageX(box: ChartBox, index: number, count: number): number {
  const plot = box.width - box.left - box.right;
  return box.left + (plot * (index + 0.5)) / Math.max(1, count);
}

/** The y of a score (clamped to −3…+3). */
export function scoreToY(box: ChartBox, score: number): number {
  const clamped = Math.max(SCORE_MIN, Math.min(SCORE_MAX, score));
  const plot = box.height - box.top - box.bottom;
  return box.top + (plot * (SCORE_MAX - clamped)) / (SCORE_MAX - SCORE_MIN);
}

export interface ChartPoint {
  readonly index: number;
  readonly x: number;
  readonly y: number;
  readonly value: number;
}

/** The points of one series (stages without a value are left out). */
export function seriesPoints(box: ChartBox, values: readonly (number | null)[]): ChartPoint[] {
  const points: ChartPoint[] = [];
  values.forEach((value, index) => {
    if (value === null) return;
    points.push({ index, x: stageX(box, index, values.length), y: scoreToY(box, value), value });
  });
  return points;
}

/** An SVG path through the points: a run of neighbouring stages is one line; a stage with no
 * value breaks it (a lone point is drawn as a dot by the chart, not here). */
export function seriesPath(points: readonly ChartPoint[]): string {
  let path = '';
  let previous: ChartPoint | null = null;
  for (const point of points) {
    const joined = previous !== null && point.index === previous.index + 1;
    path += `${joined ? 'L' : 'M'}${point.x.toFixed(1)} ${point.y.toFixed(1)}`;
    previous = point;
  }
  return path;
}
