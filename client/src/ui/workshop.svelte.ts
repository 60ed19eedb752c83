// The workshop a page belongs to: its journeys (GET /journeys), read again now and then (never
// more often than every 5 s: RULINGS.md, "Journeys") and when this page changed them, and the
// way to another journey of it (the same link, and the personal token this browser keeps).
import { fetchWorkshop, journeyPath } from '../api/journeys';
import { loadPerson, savePerson } from '../api/credentials';
import type { Workshop } from '../state/journeys';

/** The shortest pause between two reads of the journeys (RULINGS.md: no faster than 5 s). */
export const MIN_REFRESH_MS = 5_000;

export class WorkshopModel {
  readonly boardId: string;
  workshop = $state.raw<Workshop | null>(null);
  /** Set when the last read failed (the last good list stays). */
  failed = $state(false);

  readonly #token: () => string;
  readonly #everyMs: number;
  #timer: ReturnType<typeof setTimeout> | null = null;
  #lastMs = 0;
  #stopped = true;
  #cancelIdle: (() => void) | null = null;

  constructor(boardId: string, token: () => string, everyMs: number) {
    this.boardId = boardId;
    this.#token = token;
    this.#everyMs = Math.max(MIN_REFRESH_MS, everyMs);
  }

  /** How many journeys the workshop has (1 until read). */
  get size(): number {
    return this.workshop?.journeys.length ?? 1;
  }

  /**
   * Read now, then every `everyMs` while the page is visible. `whenIdle`: the first read waits
   * for the page to be idle (a single journey's board: its first render goes first, issue #27).
   */
  start(whenIdle = false): void {
    this.#stopped = false;
    if (whenIdle) this.#cancelIdle = onIdle(() => void this.refresh());
    else void this.refresh();
    document.addEventListener('visibilitychange', this.#onVisible);
  }

  destroy(): void {
    this.#stopped = true;
    this.#cancelIdle?.();
    this.#cancelIdle = null;
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    document.removeEventListener('visibilitychange', this.#onVisible);
  }

  readonly #onVisible = (): void => {
    if (document.visibilityState === 'visible' && Date.now() - this.#lastMs >= MIN_REFRESH_MS) {
      void this.refresh();
    }
  };

  /** Read the journeys again (a change this page made shows at once). */
  async refresh(): Promise<void> {
    if (this.#stopped) return;
    this.#cancelIdle?.();
    this.#cancelIdle = null;
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    this.#lastMs = Date.now();
    try {
      this.workshop = await fetchWorkshop(this.boardId, this.#token());
      this.failed = false;
    } catch {
      this.failed = true;
    }
    if (this.#stopped) return;
    this.#timer = setTimeout(() => {
      if (document.visibilityState === 'visible') void this.refresh();
      else this.#timer = null;
    }, this.#everyMs);
  }
}

/** Run `task` once the page is idle (at most `timeoutMs` later); returns a cancel. */
function onIdle(task: () => void, timeoutMs = 5_000): () => void {
  if (typeof window.requestIdleCallback === 'function') {
    const handle = window.requestIdleCallback(task, { timeout: timeoutMs });
    return () => window.cancelIdleCallback(handle);
  }
  const handle = setTimeout(task, 1_000);
  return () => clearTimeout(handle);
}

/** The mark a history entry carries once this tab chose its journey (see `landsOnPortfolio`). */
const CHOSEN = { journeyboard: 'chosen' } as const;

/** Whether this tab's current history entry chose its journey (a reload keeps the mark). */
export function journeyChosen(): boolean {
  const state: unknown = window.history.state;
  return typeof state === 'object' && state !== null && (state as Record<string, unknown>)['journeyboard'] === 'chosen';
}

/** Mark the current entry as chosen: a reload or a later read of the journeys keeps the page. */
export function markJourneyChosen(): void {
  window.history.replaceState(CHOSEN, '', window.location.href);
}

/** Land on the workshop's portfolio instead of the current entry (Back does not return to it). */
export function landOnPortfolio(journeyId: string, linkToken: string): void {
  window.history.replaceState(CHOSEN, '', journeyPath(journeyId, linkToken, 'portfolio'));
  window.dispatchEvent(new PopStateEvent('popstate'));
}

/**
 * Open another journey of the workshop (or its portfolio) in this page: the same link token
 * in the fragment; the personal token this browser keeps for the link's role goes with it, so
 * a person who joined once is the same person on every journey.
 */
export function openJourney(
  fromBoard: string,
  journeyId: string,
  linkToken: string,
  page: 'board' | 'portfolio' = 'board',
): void {
  for (const role of ['participant', 'facilitator']) {
    const person = loadPerson(fromBoard, role);
    if (person !== null && loadPerson(journeyId, role) === null) savePerson(journeyId, role, person);
  }
  window.history.pushState(CHOSEN, '', journeyPath(journeyId, linkToken, page));
  window.dispatchEvent(new PopStateEvent('popstate'));
}
