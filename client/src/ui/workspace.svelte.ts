// How this person looks at the board: zoom, the side panel, the dock (not shared, per tab).
import type { MessageKey } from '../i18n/i18n.svelte';
import { CHIP_ZOOM, clampZoom } from './layout';
import type { MetricsModel } from './metrics.svelte';
import { Toasts } from './toasts.svelte';

export type PanelKind = 'ranking' | 'matrix' | 'plan';

export const PANEL_TITLES: Readonly<Record<PanelKind, MessageKey>> = {
  ranking: 'panel.ranking',
  matrix: 'panel.matrix',
  plan: 'panel.plan',
};

export class Workspace {
  readonly toasts = new Toasts();
  zoom = $state(1);
  /** False until the first fit, so the map opens showing the whole journey. */
  fitted = $state(false);
  panel = $state<PanelKind | null>(null);
  dockOpen = $state(true);
  helpOpen = $state(false);
  /** The card this person just added: it opens in editing once it is on the map. */
  editNext: string | null = null;
  /** False once this person scrolls or zooms away from the facilitator they were following. */
  following = $state(true);
  /** A short message for screen readers (moves, zoom), read by a live region. */
  announcement = $state('');
  /** The invite links this facilitator has shared (copied, selected to copy, or shown as QR). */
  invited = $state({ participant: false, viewer: false });
  /** The board's measured values and the heat map this person chose (set by the board page). */
  metrics: MetricsModel | null = null;
  /** The panels this person closed by hand, so a reveal does not reopen them. */
  #closed = new Set<PanelKind>();

  get chips(): boolean {
    return this.zoom <= CHIP_ZOOM;
  }

  announce(text: string): void {
    this.announcement = text;
  }

  setZoom(zoom: number): void {
    this.zoom = clampZoom(zoom);
  }

  open(panel: PanelKind): void {
    this.panel = panel;
    this.#closed.delete(panel);
  }

  close(): void {
    if (this.panel !== null) this.#closed.add(this.panel);
    this.panel = null;
  }

  toggle(panel: PanelKind): void {
    if (this.panel === panel) this.close();
    else this.open(panel);
  }

  /** Open a panel the phase brings, unless this person closed it before. */
  offer(panel: PanelKind): void {
    if (!this.#closed.has(panel) && this.panel !== panel) this.panel = panel;
  }
}
