// The effort/impact matrix: where a rated solution goes (pure). The rule and the names come
// from shared_schema/quadrants.json, which the server reads too.
import table from '../../../shared_schema/quadrants.json';
import type { Quadrant } from '../generated/quadrants';

export type { Quadrant } from '../generated/quadrants';

/** Which side of a threshold a mean falls on. */
export type Level = 'high' | 'low';

export interface QuadrantInfo {
  readonly impact: Level;
  readonly effort: Level;
  /** One solution's quadrant, as the exports name it ("a quick win"). */
  readonly title: string;
  /** The quadrant's label on the matrix ("Quick wins"). */
  readonly plural: string;
}

/** Impact is high from here up (1..5). */
export const HIGH_IMPACT_FROM: number = table.high_impact_from;
/** Effort is low up to here (1..5). */
export const LOW_EFFORT_UP_TO: number = table.low_effort_up_to;

// Quadrant is generated from these keys; matrix.test.ts checks each entry's levels.
export const QUADRANTS = table.quadrants as Readonly<Record<Quadrant, QuadrantInfo>>;

export const QUADRANT_LABELS: Readonly<Record<Quadrant, string>> = mapQuadrants((q) => q.plural);

/** One solution's quadrant, as the exports name it ("a quick win"). */
export const QUADRANT_TITLES: Readonly<Record<Quadrant, string>> = mapQuadrants((q) => q.title);

function mapQuadrants(pick: (info: QuadrantInfo) => string): Record<Quadrant, string> {
  const out: Partial<Record<Quadrant, string>> = {};
  for (const [name, info] of quadrantEntries()) out[name] = pick(info);
  return out as Record<Quadrant, string>;
}

function quadrantEntries(): Array<[Quadrant, QuadrantInfo]> {
  return Object.entries(QUADRANTS) as Array<[Quadrant, QuadrantInfo]>;
}

/** The quadrant that covers these levels of impact and effort. */
export function quadrantAt(impact: Level, effort: Level): Quadrant {
  const found = quadrantEntries().find(([, q]) => q.impact === impact && q.effort === effort);
  if (found === undefined) throw new Error(`quadrants.json has no ${impact}-impact ${effort}-effort quadrant`);
  return found[0];
}

/** The shared rule: impact >= HIGH_IMPACT_FROM is high, effort <= LOW_EFFORT_UP_TO is low. */
export function quadrantOf(effort: number, impact: number): Quadrant {
  return quadrantAt(impact >= HIGH_IMPACT_FROM ? 'high' : 'low', effort <= LOW_EFFORT_UP_TO ? 'low' : 'high');
}

export function isQuadrant(value: string): value is Quadrant {
  return Object.hasOwn(QUADRANTS, value);
}

export interface MatrixFrame {
  readonly width: number;
  readonly height: number;
  readonly pad: number;
}

/** SVG x for an effort 1..5 (1 at the left). */
export function effortX(effort: number, frame: MatrixFrame): number {
  const clamped = Math.max(1, Math.min(5, effort));
  return frame.pad + ((clamped - 1) / 4) * (frame.width - 2 * frame.pad);
}

/** SVG y for an impact 1..5 (5 at the top). */
export function impactY(impact: number, frame: MatrixFrame): number {
  const clamped = Math.max(1, Math.min(5, impact));
  return frame.pad + ((5 - clamped) / 4) * (frame.height - 2 * frame.pad);
}

/**
 * Where a solution's dot goes: at its means, but moved off a border into the quadrant the
 * shared rule names (a mean on a threshold is low effort or high impact), `nudge` px from the
 * dashed line. The report's matrix (exports/charts.py) does the same.
 */
export function pointIn(
  quadrant: Quadrant,
  effort: number,
  impact: number,
  frame: MatrixFrame,
  nudge = 6,
): { x: number; y: number } {
  const midX = effortX(LOW_EFFORT_UP_TO, frame);
  const midY = impactY(HIGH_IMPACT_FROM, frame);
  const info = QUADRANTS[quadrant];
  const x = effortX(effort, frame);
  const y = impactY(impact, frame);
  return {
    x: info.effort === 'low' ? Math.min(x, midX - nudge) : Math.max(x, midX + nudge),
    y: info.impact === 'high' ? Math.min(y, midY - nudge) : Math.max(y, midY + nudge),
  };
}

/** Pixels per scale step on each axis, to draw a spread (std dev) as error bars. */
export function stepSize(frame: MatrixFrame): { x: number; y: number } {
  return { x: (frame.width - 2 * frame.pad) / 4, y: (frame.height - 2 * frame.pad) / 4 };
}

// -- The matrix drawn in a square of any size ------------------------------------------------

export interface Box {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

/** Room outside the frame for the ticks and the axis titles. */
export const MATRIX_MARGIN = 30;
/** Band inside the frame, around the data area, that holds the quadrant names. */
export const MATRIX_INSET = 26;

export interface MatrixLayout extends MatrixFrame {
  /** The drawn frame: the data area (scales 1..5) grown by the inset band on every side. */
  readonly box: Box;
}

/**
 * A square matrix `size` px wide. Scale 1..5 spans [pad, size - pad] on both axes, so a mean
 * sits at `pad + (value - 1) / 4 * (size - 2 * pad)` (y counted from 5 at the top).
 */
export function matrixLayout(size: number): MatrixLayout {
  const pad = MATRIX_MARGIN + MATRIX_INSET;
  const side = size - 2 * MATRIX_MARGIN;
  return {
    width: size,
    height: size,
    pad,
    box: { x: MATRIX_MARGIN, y: MATRIX_MARGIN, width: side, height: side },
  };
}

// -- Labels that never collide ---------------------------------------------------------------

/** Estimated advance of one character at 12 px (a little wide, to stay on the safe side). */
export const CHAR_WIDTH_12PX = 6.5;
export const LABEL_FONT_SIZE = 12;
export const LABEL_MAX_CHARS = 24;
/** A label's box: the text plus 2 px all round for its halo. */
const LABEL_PAD = 2;

/** The text with runs of white space as single spaces, cut at a word boundary with "…". */
export function truncateLabel(text: string, max = LABEL_MAX_CHARS): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  if (flat.length <= max) return flat;
  const room = flat.slice(0, max); // keep one place for the ellipsis
  const space = room.lastIndexOf(' ');
  const cut = space >= max / 2 ? room.slice(0, space) : room.slice(0, max - 1);
  return `${cut.replace(/[\s.,;:!?-]+$/, '')}…`;
}

/** Estimated width of a text in px at `fontSize`. */
export function textWidth(text: string, fontSize = LABEL_FONT_SIZE): number {
  return text.length * CHAR_WIDTH_12PX * (fontSize / 12);
}

export interface LabelRequest {
  readonly id: string;
  /** The point the label names. */
  readonly x: number;
  readonly y: number;
  readonly text: string;
}

export interface PlacedLabel {
  readonly id: string;
  /** What is drawn (truncated); the full text goes in a <title>. */
  readonly text: string;
  readonly box: Box;
  /** Where the text starts (text-anchor start) and its baseline. */
  readonly textX: number;
  readonly textY: number;
  /** A line from the point to the label, when the label had to move away from its point. */
  readonly leader: { readonly x1: number; readonly y1: number; readonly x2: number; readonly y2: number } | null;
}

export interface PlacementOptions {
  /** Where labels may go (they never leave it). */
  readonly bounds: Box;
  /** Boxes no label may cover (quadrant names, say); the points' dots are added to them. */
  readonly obstacles?: readonly Box[];
  readonly dotRadius?: number;
  readonly fontSize?: number;
  readonly maxChars?: number;
  /**
   * The drawn width of a label's text in px. Defaults to the estimate (`textWidth`); a page
   * can pass a real measure (a canvas with the label's font), since some fonts run wider.
   */
  readonly measure?: (text: string) => number;
}

function overlaps(a: Box, b: Box): boolean {
  return a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
}

function overlapArea(a: Box, b: Box): number {
  const w = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
  const h = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
  return w > 0 && h > 0 ? w * h : 0;
}

function inside(box: Box, bounds: Box): boolean {
  return (
    box.x >= bounds.x &&
    box.y >= bounds.y &&
    box.x + box.width <= bounds.x + bounds.width &&
    box.y + box.height <= bounds.y + bounds.height
  );
}

/** The point of a box nearest to (x, y). */
function nearestOnBox(box: Box, x: number, y: number): { x: number; y: number } {
  return {
    x: Math.max(box.x, Math.min(box.x + box.width, x)),
    y: Math.max(box.y, Math.min(box.y + box.height, y)),
  };
}

/** The label's top-left corners next to its point, best first: right, left, then around. */
function nearCandidates(x: number, y: number, w: number, h: number, gap: number): Array<[number, number]> {
  const mid = y - h / 2;
  return [
    [x + gap, mid],
    [x - gap - w, mid],
    [x + gap * 0.5, y - gap - h],
    [x + gap * 0.5, y + gap],
    [x - gap * 0.5 - w, y - gap - h],
    [x - gap * 0.5 - w, y + gap],
    [x - w / 2, y - gap - h],
    [x - w / 2, y + gap],
  ];
}

/**
 * Pushed-away places: beside the point but slid up and down by whole label heights, then
 * above and below it further out. Each needs a leader line.
 */
function pushedCandidates(
  x: number,
  y: number,
  w: number,
  h: number,
  gap: number,
  rings: number,
): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  const mid = y - h / 2;
  for (let k = 1; k <= rings; k += 1) {
    const dy = k * (h + 2);
    const dx = k * 12;
    out.push(
      [x + gap, mid - dy],
      [x + gap, mid + dy],
      [x - gap - w, mid - dy],
      [x - gap - w, mid + dy],
      [x + gap + dx, mid - dy],
      [x + gap + dx, mid + dy],
      [x - gap - dx - w, mid - dy],
      [x - gap - dx - w, mid + dy],
      [x - w / 2, y - gap - h - dy],
      [x - w / 2, y + gap + dy],
    );
  }
  return out;
}

/** Every place on a grid over the bounds, nearest to the point first (the last resort). */
function gridCandidates(x: number, y: number, w: number, h: number, bounds: Box): Array<[number, number]> {
  const out: Array<{ at: [number, number]; d: number }> = [];
  const step = 4;
  for (let top = bounds.y; top + h <= bounds.y + bounds.height; top += step) {
    for (let left = bounds.x; left + w <= bounds.x + bounds.width; left += step) {
      const near = nearestOnBox({ x: left, y: top, width: w, height: h }, x, y);
      out.push({ at: [left, top], d: Math.hypot(near.x - x, near.y - y) });
    }
  }
  return out.sort((a, b) => a.d - b.d).map((entry) => entry.at);
}

/**
 * Place one label per point so that no two labels overlap, none covers a dot or an obstacle,
 * and none leaves the bounds. Points are placed top to bottom; each label takes the first free
 * place next to its point, else a pushed-away place with a leader line, else the nearest free
 * place on a grid over the whole bounds. Only when the bounds are truly full does a label take
 * the least-covered place next to its point. Sizes use an estimated text width (6.5 px per
 * character at 12 px) unless `measure` is given, so nothing here needs the DOM.
 */
export function placeLabels(points: readonly LabelRequest[], options: PlacementOptions): PlacedLabel[] {
  const { bounds } = options;
  const fontSize = options.fontSize ?? LABEL_FONT_SIZE;
  const radius = options.dotRadius ?? 6;
  const gap = radius + 3;
  const h = fontSize + 2 * LABEL_PAD;
  const dots: Box[] = points.map((p) => ({
    x: p.x - radius,
    y: p.y - radius,
    width: 2 * radius,
    height: 2 * radius,
  }));
  const blocked: Box[] = [...(options.obstacles ?? []), ...dots];
  const placed: PlacedLabel[] = [];
  const taken: Box[] = [];
  const order = points
    .map((point, index) => ({ point, index }))
    .sort((a, b) => a.point.y - b.point.y || a.point.x - b.point.x || (a.point.id < b.point.id ? -1 : 1));
  const free = (box: Box): boolean =>
    inside(box, bounds) && !taken.some((t) => overlaps(t, box)) && !blocked.some((b) => overlaps(b, box));
  for (const { point } of order) {
    const text = truncateLabel(point.text, options.maxChars ?? LABEL_MAX_CHARS) || '(empty)';
    const width = options.measure?.(text) ?? textWidth(text, fontSize);
    const w = Math.min(Math.max(width, 0) + 2 * LABEL_PAD, bounds.width);
    const boxAt = ([x, y]: [number, number]): Box => ({ x, y, width: w, height: h });
    const near = nearCandidates(point.x, point.y, w, h, gap).map(boxAt);
    let box = near.find(free);
    let moved = false;
    if (box === undefined) {
      moved = true;
      box =
        pushedCandidates(point.x, point.y, w, h, gap, 4).map(boxAt).find(free) ??
        gridCandidates(point.x, point.y, w, h, bounds).map(boxAt).find(free);
    }
    if (box === undefined) {
      // Full: the in-bounds place next to the point that covers least.
      moved = false;
      const cost = (b: Box): number =>
        (inside(b, bounds) ? 0 : 1e9) +
        [...taken, ...blocked].reduce((sum, other) => sum + overlapArea(other, b), 0);
      box = near.reduce((best, b) => (cost(b) < cost(best) ? b : best));
    }
    taken.push(box);
    let leader: PlacedLabel['leader'] = null;
    if (moved) {
      const end = nearestOnBox(box, point.x, point.y);
      const length = Math.hypot(end.x - point.x, end.y - point.y);
      if (length > radius) {
        const ux = (end.x - point.x) / length;
        const uy = (end.y - point.y) / length;
        leader = { x1: point.x + ux * radius, y1: point.y + uy * radius, x2: end.x, y2: end.y };
      }
    }
    placed.push({
      id: point.id,
      text,
      box,
      textX: box.x + LABEL_PAD,
      textY: box.y + LABEL_PAD + fontSize * 0.8,
      leader,
    });
  }
  const byId = new Map(placed.map((label) => [label.id, label]));
  return points.flatMap((point) => byId.get(point.id) ?? []);
}
