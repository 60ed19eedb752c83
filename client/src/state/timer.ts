// The phase timer on the server's clock (pure).
import type { TimerState } from './session';

/** Milliseconds left (never negative), or null when no timer is set. */
export function remainingMs(timer: TimerState, localNowMs: number, skewMs: number): number | null {
  if (timer.running && timer.endsAtMs !== null) {
    return Math.max(0, timer.endsAtMs - (localNowMs + skewMs));
  }
  return timer.remainingMs === null ? null : Math.max(0, timer.remainingMs);
}

/** m:ss (or h:mm:ss), rounding up so a timer shows 0:00 only when it is done. */
export function formatRemaining(ms: number): string {
  const total = Math.ceil(ms / 1000);
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = String(total % 60).padStart(2, '0');
  if (hours > 0) return `${hours}:${String(minutes).padStart(2, '0')}:${seconds}`;
  return `${minutes}:${seconds}`;
}

/** The last stretch, shown in amber. */
export const ENDING_MS = 30_000;
/** An end noticed later than this (a tab asleep in the background) passes without an alert. */
export const ALERT_WINDOW_MS = 60_000;

export type TimerLook = 'running' | 'ending' | 'paused' | 'done';

/** How the pill looks with `leftMs` to go (from `remainingMs`). */
export function timerLook(timer: TimerState, leftMs: number): TimerLook {
  if (!timer.running) return 'paused';
  if (leftMs <= 0) return 'done';
  return leftMs <= ENDING_MS ? 'ending' : 'running';
}

/**
 * True when the timer has just run out while this page was open, and nobody alerted for this
 * end yet. All times are on the server's clock: `nowMs` (now), `loadedAtMs` (when the page
 * loaded) and `alertedFor` (the `endsAtMs` already alerted for, or null). A timer that ended
 * before the page loaded never alerts: a reload shows "Time's up" quietly.
 */
export function shouldAlert(
  timer: TimerState,
  nowMs: number,
  loadedAtMs: number,
  alertedFor: number | null,
): boolean {
  const end = timer.endsAtMs;
  if (!timer.running || end === null || end === alertedFor) return false;
  if (nowMs < end || end < loadedAtMs) return false;
  return nowMs - end <= ALERT_WINDOW_MS;
}

/** How long "Time's up" stays in the top bar after the end (a phase change clears it too). */
export const DONE_SHOWN_MS = 60_000;

/**
 * False once a running timer ended more than a minute ago (`nowMs` on the server's clock):
 * "Time's up" clears by itself instead of staying until someone presses Stop.
 */
export function timerShown(timer: TimerState, nowMs: number): boolean {
  if (!timer.running || timer.endsAtMs === null) return true;
  return nowMs - timer.endsAtMs <= DONE_SHOWN_MS;
}
