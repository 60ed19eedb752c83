// The follow-up workshop (pure): the earlier session's ratings, read from the session
// document's `history` root (session number -> what it was when the follow-up started), and
// the matrix's arrows from where a solution stood then to where it stands now.
import { isQuadrant, pointIn, quadrantOf, type Box, type MatrixFrame, type Quadrant } from './matrix';

/** One session's revealed rating of a solution (the `ratings` root's entry). */
export interface Rated {
  readonly effort: number;
  readonly impact: number;
  readonly n: number;
  readonly effortSpread: number;
  readonly impactSpread: number;
  readonly quadrant: string;
}

export interface EarlierSession {
  readonly number: number;
  readonly endedAtMs: number | null;
  /** Its revealed ratings (card id -> rating); empty when it never revealed any. */
  readonly ratings: ReadonlyMap<string, Rated>;
}

type Json = Record<string, unknown>;

function isRecord(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function num(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

/** A `ratings` root (or a history entry's `ratings`) as a map; entries without means are left out. */
export function parseRatings(json: unknown): Map<string, Rated> {
  const ratings = new Map<string, Rated>();
  if (!isRecord(json)) return ratings;
  for (const [card, value] of Object.entries(json)) {
    if (!isRecord(value)) continue;
    const effort = num(value['effort']);
    const impact = num(value['impact']);
    if (effort === null || impact === null) continue;
    ratings.set(card, {
      effort,
      impact,
      n: num(value['n']) ?? 0,
      effortSpread: num(value['effort_spread']) ?? 0,
      impactSpread: num(value['impact_spread']) ?? 0,
      quadrant: typeof value['quadrant'] === 'string' ? value['quadrant'] : '',
    });
  }
  return ratings;
}

/**
 * The session before `current` from the `history` root: the highest numbered entry below it
 * (null in a first session, or when the history holds nothing readable).
 */
export function earlierSession(history: unknown, current: number): EarlierSession | null {
  if (!isRecord(history)) return null;
  let best: EarlierSession | null = null;
  for (const [key, entry] of Object.entries(history)) {
    if (!isRecord(entry)) continue;
    const number = num(entry['number']) ?? Number(key);
    if (!Number.isInteger(number) || number >= current) continue;
    if (best !== null && best.number >= number) continue;
    best = { number, endedAtMs: num(entry['ended_at_ms']), ratings: parseRatings(entry['ratings']) };
  }
  return best;
}

export interface Point {
  readonly x: number;
  readonly y: number;
}

export interface Arrow {
  readonly x1: number;
  readonly y1: number;
  readonly x2: number;
  readonly y2: number;
}

/**
 * The arrow from where a solution stood to where it stands now, in svg coordinates: it leaves
 * the earlier point's ring (`fromRadius`) and stops `toGap` px short of the current dot, so the
 * head never covers it. Null when the two are too close for an arrow to read.
 */
export function moveArrow(from: Point, to: Point, fromRadius: number, toGap: number, minLength = 6): Arrow | null {
  const dx = to.x - from.x;
  const dy = to.y - from.y;
  const distance = Math.hypot(dx, dy);
  if (distance - fromRadius - toGap < minLength) return null;
  const ux = dx / distance;
  const uy = dy / distance;
  return {
    x1: from.x + ux * fromRadius,
    y1: from.y + uy * fromRadius,
    x2: to.x - ux * toGap,
    y2: to.y - uy * toGap,
  };
}

/** Where a solution stood or stands on the matrix: its means, quadrant and svg point. */
export interface Standing {
  readonly effort: number;
  readonly impact: number;
  readonly quadrant: Quadrant;
  readonly x: number;
  readonly y: number;
}

/** A solution's move on the matrix since the earlier session. */
export interface Move {
  readonly card: string;
  readonly from: Standing;
  readonly to: Standing;
  /** The line to draw, or null when it barely moved (the earlier ring still shows). */
  readonly arrow: Arrow | null;
}

function standingOf(rating: Rated, frame: MatrixFrame): Standing {
  const quadrant = isQuadrant(rating.quadrant) ? rating.quadrant : quadrantOf(rating.effort, rating.impact);
  return { effort: rating.effort, impact: rating.impact, quadrant, ...pointIn(quadrant, rating.effort, rating.impact, frame) };
}

/**
 * The moves of the solutions rated in both sessions, in `now`'s order: from the earlier
 * point (a ring of `ring` px) to the current dot (`dot` px, the head stops 2 px short of it).
 */
export function matrixMoves(
  now: readonly { readonly card: string; readonly rating: Rated }[],
  earlier: ReadonlyMap<string, Rated>,
  frame: MatrixFrame,
  dot: number,
  ring = 4,
): Move[] {
  const moves: Move[] = [];
  for (const { card, rating } of now) {
    const before = earlier.get(card);
    if (before === undefined) continue;
    const from = standingOf(before, frame);
    const to = standingOf(rating, frame);
    moves.push({ card, from, to, arrow: moveArrow(from, to, ring, dot + 2) });
  }
  return moves;
}

/**
 * What a label must not cover of the moves: each earlier ring, and the arrow as small boxes
 * along it (every `every` px), for `placeLabels`' obstacles.
 */
export function moveObstacles(moves: readonly Move[], ring = 4, every = 10): Box[] {
  const boxes: Box[] = [];
  const square = (x: number, y: number, r: number): Box => ({ x: x - r, y: y - r, width: 2 * r, height: 2 * r });
  for (const move of moves) {
    boxes.push(square(move.from.x, move.from.y, ring + 1));
    const arrow = move.arrow;
    if (arrow === null) continue;
    const length = Math.hypot(arrow.x2 - arrow.x1, arrow.y2 - arrow.y1);
    const steps = Math.max(1, Math.ceil(length / every));
    for (let i = 0; i <= steps; i += 1) {
      const f = i / steps;
      boxes.push(square(arrow.x1 + (arrow.x2 - arrow.x1) * f, arrow.y1 + (arrow.y2 - arrow.y1) * f, 2));
    }
  }
  return boxes;
}
