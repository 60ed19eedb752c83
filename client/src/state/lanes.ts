// The map's rows: a card's `kind` decides its lane (pure).

export const LANES = [
  { kind: 'action', title: 'Customer actions' },
  { kind: 'touchpoint', title: 'Touchpoints' },
  { kind: 'thought', title: 'Thoughts' },
  { kind: 'feeling', title: 'Feelings' },
  { kind: 'pain', title: 'Pain points' },
  { kind: 'gain', title: 'Gains' },
  { kind: 'backstage', title: 'Backstage' },
  { kind: 'solution', title: 'Solutions' },
  { kind: 'note', title: 'Notes' },
] as const;

export type CardKind = (typeof LANES)[number]['kind'];

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

export const STATUSES = ['open', 'approved', 'rejected'] as const;

export type ActionStatus = (typeof STATUSES)[number];

const KINDS: ReadonlySet<string> = new Set(LANES.map((lane) => lane.kind));

/** The lane a stored kind goes to; unknown kinds are shown as notes. */
export function laneOf(kind: string): CardKind {
  return KINDS.has(kind) ? (kind as CardKind) : 'note';
}

export function isChannel(value: unknown): value is Channel {
  return typeof value === 'string' && (CHANNELS as readonly string[]).includes(value);
}

export function isStatus(value: unknown): value is ActionStatus {
  return typeof value === 'string' && (STATUSES as readonly string[]).includes(value);
}
