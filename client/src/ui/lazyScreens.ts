// Screens a board's first render does not show, each a chunk of its own (issue #30): fetched
// when first shown, or ahead of that once the board has painted and the page is idle, so that
// they also open when the network has gone since (a workshop's Wi-Fi drops).
import type { Component } from 'svelte';

type Module<C> = Promise<{ default: C }>;

/** `load` once: the same promise for every caller, fetched again only after a failure. */
export function once<C>(load: () => Module<C>): () => Module<C> {
  let loading: Module<C> | null = null;
  return () => {
    if (loading === null) {
      const started = load();
      loading = started;
      started.catch(() => {
        if (loading === started) loading = null; // offline, say: the next opening tries again
      });
    }
    return loading;
  };
}

export const screens = {
  home: once(() => import('./Home.svelte')),
  portfolio: once(() => import('./Portfolio.svelte')),
  rankedPains: once(() => import('./RankedPains.svelte')),
  matrix: once(() => import('./Matrix.svelte')),
  actionPlan: once(() => import('./ActionPlan.svelte')),
  help: once(() => import('./HelpPanel.svelte')),
  addJourney: once(() => import('./AddJourneyDialog.svelte')),
  persona: once(() => import('./PersonaDialog.svelte')),
  followUp: once(() => import('./FollowUpDialog.svelte')),
  metricsImport: once(() => import('./MetricsImport.svelte')),
  qrPoster: once(() => import('./QrPoster.svelte')),
} satisfies Record<string, () => Module<Component<never>>>;

export type Screen = keyof typeof screens;

/** What a board may open: everyone's panels and help, and the facilitator's dialogs. */
export function boardScreens(facilitator: boolean): readonly Screen[] {
  const everyone: Screen[] = ['rankedPains', 'matrix', 'actionPlan', 'help'];
  return facilitator ? [...everyone, 'addJourney', 'persona', 'followUp', 'metricsImport', 'qrPoster'] : everyone;
}

/**
 * Fetch `which` once the page is idle (after the first paint), one at a time. Returns what
 * cancels the ones not started yet.
 */
export function prefetchWhenIdle(which: readonly Screen[]): () => void {
  const queue = [...which];
  let handle: number | null = null;
  let cancelled = false;
  const idle = (run: () => void): number =>
    typeof window.requestIdleCallback === 'function'
      ? window.requestIdleCallback(run, { timeout: 5_000 })
      : window.setTimeout(run, 1_000);
  const next = (): void => {
    handle = null;
    const screen = queue.shift();
    if (cancelled || screen === undefined) return;
    screens[screen]().then(
      () => {
        if (!cancelled) handle = idle(next);
      },
      () => undefined, // offline: the screen is fetched when first opened instead
    );
  };
  handle = idle(next);
  return () => {
    cancelled = true;
    if (handle === null) return;
    if (typeof window.cancelIdleCallback === 'function') window.cancelIdleCallback(handle);
    window.clearTimeout(handle);
  };
}
