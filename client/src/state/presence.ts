// Presence (awareness) states of the content document, typed and tolerant (pure).
import { isRole, type Role } from './session';

/**
 * A pointer on the map: x/y in the map's own (unzoomed) pixels, and, when it is over a card or
 * a cell, that element (`card:<id>` or `cell:<stage>:<kind>`) with the pointer's place in it as
 * fractions, so it lands on the same card on every screen size and zoom.
 */
export interface Cursor {
  readonly x: number;
  readonly y: number;
  readonly anchor?: string;
  readonly fx?: number;
  readonly fy?: number;
}

/** What part of the map someone looks at: the stage at the left edge and the zoom. */
export interface View {
  readonly stage: string | null;
  /** How far into that stage's column the left edge is (0..1). */
  readonly dx: number;
  /** The map's vertical scroll in unzoomed pixels. */
  readonly top: number;
  readonly zoom: number;
}

export interface LocalPresence {
  cursor: Cursor | null;
  editing: string | null;
  view: View | null;
}

export interface Peer {
  readonly clientId: number;
  /** The participant id the server stamps on a joined person's presence (`user.id`); null for
   * a link holder. It matches `session.follow.participant`, so followers find the leader. */
  readonly participantId: string | null;
  readonly name: string;
  readonly role: Role;
  readonly color: string;
  readonly cursor: Cursor | null;
  readonly editing: string | null;
  readonly view: View | null;
}

function fraction(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? Math.max(0, Math.min(1, value)) : undefined;
}

function finite(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

/** A peer's cursor, tolerant of anything another client may have sent. */
export function readCursor(value: unknown): Cursor | null {
  if (!isRecord(value) || !finite(value['x']) || !finite(value['y'])) return null;
  const anchor = value['anchor'];
  const fx = fraction(value['fx']);
  const fy = fraction(value['fy']);
  if (typeof anchor === 'string' && anchor.length <= 200 && fx !== undefined && fy !== undefined) {
    return { x: value['x'], y: value['y'], anchor, fx, fy };
  }
  return { x: value['x'], y: value['y'] };
}

/** A peer's view, or null when absent or malformed. */
export function readView(value: unknown): View | null {
  if (!isRecord(value) || !finite(value['zoom']) || !finite(value['top'])) return null;
  const stage = value['stage'];
  return {
    stage: typeof stage === 'string' ? stage : null,
    dx: fraction(value['dx']) ?? 0,
    top: Math.max(0, value['top']),
    zoom: Math.max(0.25, Math.min(2, value['zoom'])),
  };
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
      participantId: typeof user['id'] === 'string' && user['id'] !== '' ? user['id'] : null,
      name: typeof user['name'] === 'string' ? user['name'] : 'Guest',
      role: isRole(user['role']) ? user['role'] : 'viewer',
      color: typeof user['color'] === 'string' ? user['color'] : '#52606d',
      cursor: readCursor(cursor),
      editing: typeof editing === 'string' ? editing : null,
      view: readView(state['view']),
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
