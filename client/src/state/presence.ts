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

const ROLE_NAMES: Readonly<Record<Role, string>> = {
  facilitator: 'Facilitator',
  participant: 'Participant',
  viewer: 'Viewer',
};

/** "Facilitator", "Participant", "Viewer". */
export function roleName(role: Role): string {
  return ROLE_NAMES[role];
}

/** Everyone present, counted with yourself (`peers` never holds this tab). */
export function summarizePresence(peers: readonly Peer[], self: SelfPresence): PresenceSummary {
  const me: PresenceEntry = {
    key: 'self',
    name: self.name ?? roleName(self.role),
    role: self.role,
    color: self.color,
    self: true,
  };
  const others = peers.map(
    (peer): PresenceEntry => ({
      key: String(peer.clientId),
      name: peer.name,
      role: peer.role,
      color: peer.color,
      self: false,
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

/** The role chip's text: "Fay · Facilitator", "Viewer", "Not joined yet · Facilitator". */
export function roleChipText(name: string | null, role: Role): string {
  if (role === 'viewer') return roleName(role);
  return `${name ?? 'Not joined yet'} · ${roleName(role)}`;
}
