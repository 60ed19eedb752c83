// The effort/impact matrix: where a rated solution goes (pure).

export type Quadrant = 'quick_win' | 'big_bet' | 'fill_in' | 'money_pit';

export const QUADRANT_LABELS: Readonly<Record<Quadrant, string>> = {
  quick_win: 'Quick wins',
  big_bet: 'Big bets',
  fill_in: 'Fill-ins',
  money_pit: 'Money pits',
};

/** The server's rule: impact >= 3 is high, effort <= 3 is low. */
export function quadrantOf(effort: number, impact: number): Quadrant {
  const high = impact >= 3;
  const easy = effort <= 3;
  if (high) return easy ? 'quick_win' : 'big_bet';
  return easy ? 'fill_in' : 'money_pit';
}

export function isQuadrant(value: string): value is Quadrant {
  return value in QUADRANT_LABELS;
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

/** Pixels per scale step on each axis, to draw a spread (std dev) as error bars. */
export function stepSize(frame: MatrixFrame): { x: number; y: number } {
  return { x: (frame.width - 2 * frame.pad) / 4, y: (frame.height - 2 * frame.pad) / 4 };
}
