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

/**
 * The peers in an awareness state map, without `selfId`; entries without a user are skipped.
 * A peer without a name is called `guest`; peers are sorted by name with `compare` (the
 * locale's collation).
 */
export function readPeers(
  states: ReadonlyMap<number, unknown>,
  selfId: number,
  guest = 'Guest',
  compare: (a: string, b: string) => number = (a, b) => a.localeCompare(b),
): Peer[] {
  const peers: Peer[] = [];
  for (const [clientId, state] of states) {
    if (clientId === selfId || !isRecord(state) || !isRecord(state['user'])) continue;
    const user = state['user'];
    const cursor = state['cursor'];
    const editing = state['editing'];
    peers.push({
      clientId,
      participantId: typeof user['id'] === 'string' && user['id'] !== '' ? user['id'] : null,
      name: typeof user['name'] === 'string' ? user['name'] : guest,
      role: isRole(user['role']) ? user['role'] : 'viewer',
      color: typeof user['color'] === 'string' ? user['color'] : '#52606d',
      cursor: readCursor(cursor),
      editing: typeof editing === 'string' ? editing : null,
      view: readView(state['view']),
    });
  }
  return peers.sort((a, b) => compare(a.name, b.name) || a.clientId - b.clientId);
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

// The presence stack of the top bar (pure) -----------------------------------------------------

/** Who this tab is, as the stack shows it (the server stamps everyone else's presence). */
export interface SelfPresence {
  /** The joined person's name, or null (a viewer, or a facilitator who has not joined). */
  readonly name: string | null;
  readonly role: Role;
  readonly color: string;
}

export interface PresenceEntry {
  /** Unique within a summary. */
  readonly key: string;
  readonly name: string;
  readonly role: Role;
  readonly color: string;
  readonly self: boolean;
  /** The joined person behind it (`Peer.participantId`); null for a link holder or yourself. */
  readonly participantId: string | null;
}

export interface PresenceSummary {
  /** Everyone who is not a viewer, yourself first, then by name. */
  readonly people: readonly PresenceEntry[];
  /** Viewers, yourself first if you are one. */
  readonly viewers: readonly PresenceEntry[];
  /** People here, yourself included unless you are a viewer. */
  readonly here: number;
  /** Viewers watching, yourself included if you are one. */
  readonly watching: number;
}

/**
 * Everyone present, counted with yourself (`peers` never holds this tab). `roleName` names
 * yourself when you have not joined by name ("Viewer").
 */
export function summarizePresence(
  peers: readonly Peer[],
  self: SelfPresence,
  roleName: (role: Role) => string,
): PresenceSummary {
  const me: PresenceEntry = {
    key: 'self',
    name: self.name ?? roleName(self.role),
    role: self.role,
    color: self.color,
    self: true,
    participantId: null,
  };
  const others = peers.map(
    (peer): PresenceEntry => ({
      key: String(peer.clientId),
      name: peer.name,
      role: peer.role,
      color: peer.color,
      self: false,
      participantId: peer.participantId,
    }),
  );
  const people = others.filter((entry) => entry.role !== 'viewer');
  const viewers = others.filter((entry) => entry.role === 'viewer');
  if (self.role === 'viewer') viewers.unshift(me);
  else people.unshift(me);
  return { people, viewers, here: people.length, watching: viewers.length };
}

/** Up to two initials: "Ann Berg" → "AB", "fay" → "F"; "?" for a blank name. */
export function initials(name: string): string {
  const words = name.trim().split(/\s+/u).filter((word) => word !== '');
  const first = words[0];
  if (first === undefined) return '?';
  const last = words.length > 1 ? words[words.length - 1] : undefined;
  const letter = (word: string): string => (Array.from(word)[0] ?? '').toLocaleUpperCase();
  return letter(first) + (last === undefined ? '' : letter(last));
}

/** Black or white, whichever reads better on `color` (#rgb or #rrggbb; white when unknown). */
export function inkOn(color: string): '#000' | '#fff' {
  const match = /^#([0-9a-f]{3}|[0-9a-f]{6})$/iu.exec(color.trim());
  if (match?.[1] === undefined) return '#fff';
  const hex = match[1].length === 3 ? Array.from(match[1], (c) => c + c).join('') : match[1];
  const channel = (offset: number): number => {
    const value = parseInt(hex.slice(offset, offset + 2), 16) / 255;
    return value <= 0.03928 ? value / 12.92 : ((value + 0.055) / 1.055) ** 2.4;
  };
  const luminance = 0.2126 * channel(0) + 0.7152 * channel(2) + 0.0722 * channel(4);
  // Contrast against white (1.05 / (L + 0.05)) vs against black ((L + 0.05) / 0.05).
  return 1.05 / (luminance + 0.05) >= (luminance + 0.05) / 0.05 ? '#fff' : '#000';
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
