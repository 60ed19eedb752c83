// The phase timer on the server's clock (pure).
import type { TimerState } from './session';

/** Server clock minus local clock, from an HTTP answer's `server_now_ms` received at `localMs`. */
export function clockSkew(serverNowMs: number, localMs: number): number {
  return serverNowMs - localMs;
}

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
