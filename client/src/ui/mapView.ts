// The map's view, read from and written to the DOM: where the pointer is (a presence cursor),
// what part of the map is in sight (a followed view), and scrolling a lane into sight.
import type { Stage } from '../state/content';
import type { Cursor, View } from '../state/presence';

/** Rounded to thousandths, so presence carries short numbers. */
function thousandths(value: number): number {
  return Math.round(value * 1000) / 1000;
}

/**
 * The cursor of a pointer at (clientX, clientY) over `target` on the map `map` shown at `zoom`:
 * map pixels, plus the card or cell under it and the pointer's place in that element.
 */
export function cursorAt(map: HTMLElement, zoom: number, target: EventTarget | null, clientX: number, clientY: number): Cursor {
  const rect = map.getBoundingClientRect();
  const element = target instanceof Element ? target : null;
  const anchor = element?.closest<HTMLElement>('[data-card-id], [data-testid="cell"]') ?? null;
  const x = Math.round((clientX - rect.left) / zoom);
  const y = Math.round((clientY - rect.top) / zoom);
  if (anchor === null) return { x, y };
  const box = anchor.getBoundingClientRect();
  const id = anchor.dataset['cardId'];
  const where = id !== undefined ? `card:${id}` : `cell:${anchor.dataset['stage'] ?? ''}:${anchor.dataset['kind'] ?? ''}`;
  return {
    x,
    y,
    anchor: where,
    fx: thousandths((clientX - box.left) / Math.max(1, box.width)),
    fy: thousandths((clientY - box.top) / Math.max(1, box.height)),
  };
}

/** What `scroller` shows of a map of `stages` in columns `columnWidth` wide, at `zoom`. */
export function viewOf(scroller: HTMLElement, zoom: number, stages: readonly Stage[], columnWidth: number): View {
  const x = scroller.scrollLeft / zoom;
  const index = Math.max(0, Math.min(stages.length - 1, Math.floor(x / columnWidth)));
  const stage = stages[index]?.id ?? null;
  const dx = Math.max(0, Math.min(1, x / columnWidth - index));
  return { stage, dx: thousandths(dx), top: Math.round(scroller.scrollTop / zoom), zoom };
}

/** The lane a phase brings into view: pains for voting, solutions for rating and the plan. */
export const PHASE_LANES: Readonly<Record<string, string>> = {
  pain_points: 'pain',
  solution_rating: 'solution',
  action_plan: 'solution',
};

/** Scroll `scroller` smoothly so the lane `kind` of `map` sits just under the stage headers. */
export function scrollToLane(scroller: HTMLElement, map: HTMLElement | null, kind: string): void {
  const label = map?.querySelector<HTMLElement>(`[data-testid="lane-label"][data-kind="${kind}"]`);
  const corner = map?.querySelector<HTMLElement>('.corner');
  if (label === null || label === undefined) return;
  const top = label.getBoundingClientRect().top - scroller.getBoundingClientRect().top;
  const header = corner?.getBoundingClientRect().height ?? 0;
  scroller.scrollBy({ top: top - header, behavior: 'smooth' });
}
