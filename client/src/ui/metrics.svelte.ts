// The board's measured values as this page knows them (GET /metrics) and the heat map this
// person chose. They are read when first needed (a card's details, the heat map), then every
// 30 s while the heat map is on and the page visible (never faster than every 5 s:
// RULINGS.md), and at once after this page set a value or imported a file.
import { fetchMetrics } from '../api/metrics';
import { compareText } from '../i18n/i18n.svelte';
import { heatDomain, heatOf, metricChoices, type Domain, type Heat, type MetricsAnswer } from '../state/metrics';

/** The shortest pause between two reads the page did not ask for (RULINGS.md: 5 s). */
/** Whether the page is shown (no document, as in tests, counts as shown). */
function visible(): boolean {
  return globalThis.document === undefined || globalThis.document.visibilityState === 'visible';
}

export interface CardHeat {
  readonly metric: string;
  /** The colour of the touchpoint's latest value, or null when it has none ("no data"). */
  readonly heat: Heat | null;
}

export const MIN_REFRESH_MS = 5_000;
export const HEAT_REFRESH_MS = 30_000;

export class MetricsModel {
  data = $state.raw<MetricsAnswer | null>(null);
  /** The metric the heat map colours touchpoints by, or null when it is off. */
  heat = $state<string | null>(null);
  /** Set when the last read failed (the last good values stay). */
  failed = $state(false);

  readonly #boardId: string;
  readonly #token: () => string;
  readonly #touchpoints: () => readonly string[];
  readonly #everyMs: number;
  #timer: ReturnType<typeof setTimeout> | null = null;
  #lastMs = 0;
  #reading: Promise<void> | null = null;

  constructor(boardId: string, token: () => string, touchpoints: () => readonly string[], everyMs = HEAT_REFRESH_MS) {
    this.#boardId = boardId;
    this.#token = token;
    this.#touchpoints = touchpoints;
    this.#everyMs = Math.max(MIN_REFRESH_MS, everyMs);
  }

  /** NPS, CSAT and CES, then the KPIs some touchpoint has. */
  readonly choices = $derived(metricChoices(this.data, compareText));

  /** The range the colours spread over (the latest values of the chosen metric). */
  readonly domain = $derived.by((): Domain | null =>
    this.heat === null ? null : heatDomain(this.data, this.#touchpoints(), this.heat),
  );

  /** How many touchpoints have a value of the chosen metric, of how many. */
  readonly coverage = $derived.by((): { measured: number; of: number } => {
    const cards = this.#touchpoints();
    const heat = this.heat;
    if (heat === null) return { measured: 0, of: cards.length };
    const measured = cards.filter((card) => (this.data?.touchpoints[card]?.[heat]?.points.length ?? 0) > 0).length;
    return { measured, of: cards.length };
  });

  /** A touchpoint under the heat map: the metric and its colour (null: no data); null when off. */
  heatOf(card: string): CardHeat | null {
    if (this.heat === null) return null;
    return { metric: this.heat, heat: heatOf(this.data, this.domain, card, this.heat) };
  }

  /** Turn the heat map on (a metric) or off (null); on, the values are kept fresh. */
  choose(metric: string | null): void {
    this.heat = metric;
    if (metric === null) this.#stopTimer();
    else if (this.data !== null && Date.now() - this.#lastMs < MIN_REFRESH_MS) this.#schedule();
    else void this.refresh();
  }

  /** Read the values once if this page has none yet (a card's details opened). */
  ensure(): Promise<void> {
    return this.data === null ? this.refresh() : Promise.resolve();
  }

  /** Read the values now (after this page changed them), then again while the map is on. */
  refresh(): Promise<void> {
    // A read under way may have left before this page's change: read once more after it.
    if (this.#reading !== null) return this.#reading.then(() => this.refresh());
    this.#stopTimer();
    this.#lastMs = Date.now();
    this.#reading = (async () => {
      try {
        this.data = await fetchMetrics(this.#boardId, this.#token());
        this.failed = false;
      } catch {
        this.failed = true;
      } finally {
        this.#reading = null;
        this.#schedule();
      }
    })();
    return this.#reading;
  }

  start(): void {
    globalThis.document?.addEventListener('visibilitychange', this.#onVisible);
  }

  destroy(): void {
    this.#stopTimer();
    this.heat = null;
    globalThis.document?.removeEventListener('visibilitychange', this.#onVisible);
  }

  #schedule(): void {
    if (this.heat === null || this.#timer !== null) return;
    this.#timer = setTimeout(() => {
      this.#timer = null;
      if (visible()) void this.refresh();
    }, this.#everyMs);
  }

  #stopTimer(): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
  }

  readonly #onVisible = (): void => {
    if (this.heat !== null && visible() && Date.now() - this.#lastMs >= MIN_REFRESH_MS) {
      void this.refresh();
    }
  };
}
