// The map's rows: a card's `kind` decides its lane (pure). The lanes come from
// shared_schema/lanes.json, which the server's exports read too.
import table from '../../../shared_schema/lanes.json';
import type { CardKind } from '../generated/lanes';

export type { CardKind } from '../generated/lanes';

export interface Lane {
  readonly kind: CardKind;
  readonly title: string;
}

// CardKind is generated from the same list, so every kind here is one (lanes.test.ts checks).
export const LANES: readonly Lane[] = table.lanes.map((lane) => ({
  kind: lane.kind as CardKind,
  title: lane.title,
}));

/** The lane of a card whose kind has none of its own. */
const UNKNOWN_KIND = table.unknown_kind as CardKind;

export const CHANNELS = [
  'web',
  'app',
  'phone',
  'store',
  'letter',
  'e-mail',
  'chat',
  'other',
] as const;

export type Channel = (typeof CHANNELS)[number];

/** The plan's progress (the card's `status`); decisions are the `decide` command's. */
export const STATUSES = ['open', 'doing', 'done'] as const;

export type ActionStatus = (typeof STATUSES)[number];

const KINDS: ReadonlySet<string> = new Set(LANES.map((lane) => lane.kind));

/** The lane a stored kind goes to; unknown kinds are shown as notes (`unknown_kind`). */
export function laneOf(kind: string): CardKind {
  return KINDS.has(kind) ? (kind as CardKind) : UNKNOWN_KIND;
}

export function isChannel(value: unknown): value is Channel {
  return typeof value === 'string' && (CHANNELS as readonly string[]).includes(value);
}

export function isStatus(value: unknown): value is ActionStatus {
  return typeof value === 'string' && (STATUSES as readonly string[]).includes(value);
}
