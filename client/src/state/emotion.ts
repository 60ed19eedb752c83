// The emotion curve: median and spread of the feeling scores per stage (pure).
import type { Card, Stage } from './content';

export interface EmotionPoint {
  readonly stage: string;
  /** Index of the stage among the stages, left to right. */
  readonly index: number;
  readonly n: number;
  readonly median: number;
  readonly min: number;
  readonly max: number;
  readonly q1: number;
  readonly q3: number;
}

/** The q-quantile (0..1) of sorted values, linearly interpolated. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const at = (sorted.length - 1) * q;
  const low = Math.floor(at);
  const high = Math.ceil(at);
  const a = sorted[low] ?? 0;
  const b = sorted[high] ?? a;
  return a + (b - a) * (at - low);
}

/** One point per stage that has at least one scored feeling card, in stage order. */
export function emotionCurve(stages: readonly Stage[], cards: readonly Card[]): EmotionPoint[] {
  const points: EmotionPoint[] = [];
  stages.forEach((stage, index) => {
    const scores = cards
      .filter((card) => card.kind === 'feeling' && card.stage === stage.id)
      .map((card) => card.emotion)
      .filter((score): score is number => score !== undefined)
      .sort((a, b) => a - b);
    if (scores.length === 0) return;
    points.push({
      stage: stage.id,
      index,
      n: scores.length,
      median: quantile(scores, 0.5),
      min: scores[0] ?? 0,
      max: scores[scores.length - 1] ?? 0,
      q1: quantile(scores, 0.25),
      q3: quantile(scores, 0.75),
    });
  });
  return points;
}

/** y in an SVG of `height` for a score in -3..3 (3 at the top), with `pad` above and below. */
export function scoreY(score: number, height: number, pad: number): number {
  const clamped = Math.max(-3, Math.min(3, score));
  return pad + ((3 - clamped) / 6) * (height - 2 * pad);
}
