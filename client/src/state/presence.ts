// Presence (awareness) states of the content document, typed and tolerant (pure).
import { isRole, type Role } from './session';

export interface LocalPresence {
  cursor: { x: number; y: number } | null;
  editing: string | null;
  view: string | null;
}

export interface Peer {
  readonly clientId: number;
  readonly name: string;
  readonly role: Role;
  readonly color: string;
  readonly cursor: { readonly x: number; readonly y: number } | null;
  readonly editing: string | null;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The peers in an awareness state map, without `selfId`; entries without a user are skipped. */
export function readPeers(states: ReadonlyMap<number, unknown>, selfId: number): Peer[] {
  const peers: Peer[] = [];
  for (const [clientId, state] of states) {
    if (clientId === selfId || !isRecord(state) || !isRecord(state['user'])) continue;
    const user = state['user'];
    const cursor = state['cursor'];
    const editing = state['editing'];
    peers.push({
      clientId,
      name: typeof user['name'] === 'string' ? user['name'] : 'Guest',
      role: isRole(user['role']) ? user['role'] : 'viewer',
      color: typeof user['color'] === 'string' ? user['color'] : '#52606d',
      cursor:
        isRecord(cursor) && typeof cursor['x'] === 'number' && typeof cursor['y'] === 'number'
          ? { x: cursor['x'], y: cursor['y'] }
          : null,
      editing: typeof editing === 'string' ? editing : null,
    });
  }
  return peers.sort((a, b) => a.name.localeCompare(b.name) || a.clientId - b.clientId);
}

/** Calls `send` at most once per `intervalMs`, always with the latest value (trailing). */
export function throttle<T>(intervalMs: number, send: (value: T) => void, now: () => number) {
  let last = -Infinity;
  let pending: { value: T } | null = null;
  let timer: ReturnType<typeof setTimeout> | null = null;
  const flush = (): void => {
    timer = null;
    if (pending === null) return;
    last = now();
    const { value } = pending;
    pending = null;
    send(value);
  };
  return {
    push(value: T): void {
      pending = { value };
      const wait = last + intervalMs - now();
      if (wait <= 0) flush();
      else timer ??= setTimeout(flush, wait);
    },
    cancel(): void {
      if (timer !== null) clearTimeout(timer);
      timer = null;
      pending = null;
    },
  };
}

/** Schedules `callback` once; returns a function that cancels it. */
export type Scheduler = (callback: () => void) => () => void;

/**
 * Runs `run` once for any number of requests made before the scheduled time comes (e.g. one
 * refresh per animation frame for hundreds of presence changes a second).
 */
export function coalesce(run: () => void, schedule: Scheduler) {
  let cancelPending: (() => void) | null = null;
  return {
    request(): void {
      if (cancelPending !== null) return;
      cancelPending = schedule(() => {
        cancelPending = null;
        run();
      });
    },
    cancel(): void {
      cancelPending?.();
      cancelPending = null;
    },
  };
}
