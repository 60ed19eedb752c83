// The emotion curve: median and spread of the feeling scores per stage (pure).
import type { Card, Stage } from './content';
import { roundWhole } from './format';

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

// Scores as people read them -----------------------------------------------------------------

/** The scores a feeling can have, from the lowest to the highest. */
export const SCORES = [-3, -2, -1, 0, 1, 2, 3] as const;

const MINUS = '\u2212';

/** A score with its sign, as people write it: "+1", "−2", "0" (a true minus sign). */
export function signed(score: number): string {
  if (score > 0) return `+${score}`;
  if (score < 0) return `${MINUS}${-score}`;
  return '0';
}

/** The nearest whole score in -3..3. */
export function clampScore(score: number): number {
  if (!Number.isFinite(score)) return 0;
  const whole = Math.max(-3, Math.min(3, roundWhole(score)));
  return whole === 0 ? 0 : whole; // never -0, which would print as "0" but compare oddly
}

// Stroke colours of the faces, red through amber to green; each has a contrast of at least
// 4.5:1 against white (WCAG AA), checked in the tests.
const COLOURS: Readonly<Record<number, string>> = {
  [-3]: '#b42318',
  [-2]: '#c2410c',
  [-1]: '#b45309',
  0: '#8a6100',
  1: '#4d7c0f',
  2: '#15803d',
  3: '#166534',
};

/** The grey of an unscored face. */
export const UNSCORED_COLOUR = '#6b7280';

/** The colour of a face for a score (grey when unscored). */
export function faceColour(score: number | null | undefined): string {
  if (score === null || score === undefined) return UNSCORED_COLOUR;
  return COLOURS[clampScore(score)] ?? UNSCORED_COLOUR;
}

// Geometry of the curve ----------------------------------------------------------------------

/** Space above +3 and below -3 in the curve and its axis, so dots at the ends are whole. */
export const CURVE_PAD = 14;

/** The score nearest to a y of the curve (the inverse of scoreY), a whole number in -3..3. */
export function scoreAtY(y: number, height: number, pad: number): number {
  const span = height - 2 * pad;
  if (span <= 0) return 0;
  return clampScore(3 - ((y - pad) / span) * 6);
}

/** The width of `count` stage columns of `columnWidth` with `gap` between them. */
export function stagesWidth(count: number, columnWidth: number, gap: number): number {
  return Math.max(0, count * columnWidth + (count - 1) * gap);
}

/** The x of the centre of stage column `index`, from the left edge of the first column. */
export function stageCentre(index: number, columnWidth: number, gap: number): number {
  return index * (columnWidth + gap) + columnWidth / 2;
}

/** The preferred distance between the centres of two dots with the same score in a column. */
export const DOT_SPACING = 14;

/**
 * The horizontal offset from the column centre of dot `slot` of `count` dots that share a
 * score in a column: right, left, further right, further left..., never on the centre (where
 * the median point sits), closer together when the column is too narrow to keep the spacing.
 */
export function dotOffset(slot: number, count: number, halfWidth: number): number {
  const pairs = Math.ceil(count / 2);
  const room = Math.max(0, halfWidth - DOT_SPACING / 2);
  const step = Math.min(DOT_SPACING, pairs > 0 ? room / pairs : DOT_SPACING);
  const ring = Math.floor(slot / 2) + 1;
  const side = slot % 2 === 0 ? 1 : -1;
  return side * ring * step;
}

/** One scored feeling card on the curve. */
export interface FeelingDot {
  readonly card: Card;
  readonly score: number;
  /** Index of the card's stage among the stages. */
  readonly index: number;
  /** Its place among the cards with the same stage and score, and how many they are. */
  readonly slot: number;
  readonly count: number;
}

/** The scored feeling cards on stages that exist, in card order, with their slots. */
export function feelingDots(stages: readonly Stage[], cards: readonly Card[]): FeelingDot[] {
  const index = new Map(stages.map((stage, i) => [stage.id, i]));
  const groups = new Map<string, Card[]>();
  const placed: Array<{ card: Card; score: number; index: number; key: string; slot: number }> = [];
  for (const card of cards) {
    if (card.kind !== 'feeling' || card.emotion === undefined || card.stage === null) continue;
    const at = index.get(card.stage);
    if (at === undefined) continue;
    const score = clampScore(card.emotion);
    const key = `${at}:${score}`;
    const group = groups.get(key) ?? [];
    groups.set(key, group);
    placed.push({ card, score, index: at, key, slot: group.length });
    group.push(card);
  }
  return placed.map(({ card, score, index: at, key, slot }) => ({
    card,
    score,
    index: at,
    slot,
    count: groups.get(key)?.length ?? 1,
  }));
}

/** The x of a dot: its column centre plus its offset. */
export function dotX(dot: FeelingDot, columnWidth: number, gap: number): number {
  return stageCentre(dot.index, columnWidth, gap) + dotOffset(dot.slot, dot.count, columnWidth / 2);
}

/**
 * Whether this person may change a feeling card's score on the curve: facilitators always,
 * others only on their own cards (the participant id written when they added it).
 */
export function mayChangeScore(
  card: Card,
  participantId: string | null | undefined,
  facilitator: boolean,
): boolean {
  if (facilitator) return true;
  return participantId !== null && participantId !== undefined && participantId !== ''
    && card.authorId === participantId;
}

/** A point of a drawn line. */
export interface XY {
  readonly x: number;
  readonly y: number;
}

/**
 * An SVG path through the points (sorted by x) as a smooth curve that never overshoots: a
 * monotone cubic (Steffen's tangents), so between two stages the line stays between their
 * values and a median never seems to go beyond the scores it came from.
 */
export function smoothPath(points: readonly XY[]): string {
  const first = points[0];
  if (first === undefined) return '';
  const n = points.length;
  const slope = (i: number): number => {
    const a = points[i];
    const b = points[i + 1];
    if (a === undefined || b === undefined || b.x === a.x) return 0;
    return (b.y - a.y) / (b.x - a.x);
  };
  const tangents = points.map((_, i) => {
    if (i === 0) return slope(0);
    if (i === n - 1) return slope(n - 2);
    const d0 = slope(i - 1);
    const d1 = slope(i);
    const h0 = (points[i]?.x ?? 0) - (points[i - 1]?.x ?? 0);
    const h1 = (points[i + 1]?.x ?? 0) - (points[i]?.x ?? 0);
    const p = h0 + h1 === 0 ? 0 : (d0 * h1 + d1 * h0) / (h0 + h1);
    return (Math.sign(d0) + Math.sign(d1)) * Math.min(Math.abs(d0), Math.abs(d1), Math.abs(p) / 2);
  });
  const round = (v: number): number => Math.round(v * 100) / 100;
  let path = `M${round(first.x)},${round(first.y)}`;
  for (let i = 0; i < n - 1; i += 1) {
    const a = points[i];
    const b = points[i + 1];
    if (a === undefined || b === undefined) break;
    const third = (b.x - a.x) / 3;
    const c1 = { x: a.x + third, y: a.y + (tangents[i] ?? 0) * third };
    const c2 = { x: b.x - third, y: b.y - (tangents[i + 1] ?? 0) * third };
    path += ` C${round(c1.x)},${round(c1.y)} ${round(c2.x)},${round(c2.y)} ${round(b.x)},${round(b.y)}`;
  }
  return path;
}
