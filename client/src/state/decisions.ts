// Decisions on solutions (pure): the session document's `decisions` root, which only the server
// writes (card id -> entries, oldest first). A person's latest entry is their standing
// decision; several reviewers may disagree, and the plan shows each.

export type DecisionKind = 'approve' | 'reject';

export interface Decision {
  readonly person: string;
  readonly name: string;
  readonly department: string;
  readonly role: string;
  readonly decision: DecisionKind;
  readonly comment: string;
  readonly atMs: number;
}

/** What the standing decisions on one solution add up to ('' when nobody has decided). */
export type Outcome = 'approved' | 'rejected' | 'disputed' | '';

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function text(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

function parseEntry(value: unknown): Decision | null {
  if (!isRecord(value)) return null;
  const decision = value['decision'];
  const at = value['at_ms'];
  const name = text(value['name']);
  // Who decided: their participant id, else their name (an imported decision keeps no id),
  // as the server's exports read it.
  const person = text(value['person']) || (name === '' ? '' : `name:${name}`);
  if ((decision !== 'approve' && decision !== 'reject') || person === '') return null;
  return {
    person,
    name: name || '?',
    department: text(value['department']),
    role: text(value['role']),
    decision,
    comment: text(value['comment']),
    atMs: typeof at === 'number' && Number.isFinite(at) ? at : 0,
  };
}

/** The `decisions` root as JSON: card id -> every entry that reads, oldest first. */
export function parseDecisions(json: unknown): ReadonlyMap<string, readonly Decision[]> {
  const out = new Map<string, readonly Decision[]>();
  if (!isRecord(json)) return out;
  for (const [card, entries] of Object.entries(json)) {
    if (!Array.isArray(entries)) continue;
    const read = entries.map(parseEntry).filter((entry): entry is Decision => entry !== null);
    if (read.length > 0) out.set(card, read);
  }
  return out;
}

/** Each person's latest decision, oldest first (a later entry of a person replaces theirs). */
export function standing(entries: readonly Decision[]): Decision[] {
  const latest = new Map<string, Decision>();
  for (const entry of entries) {
    const kept = latest.get(entry.person);
    if (kept === undefined || entry.atMs >= kept.atMs) latest.set(entry.person, entry);
  }
  return [...latest.values()].sort((a, b) => a.atMs - b.atMs || a.person.localeCompare(b.person));
}

/** "approved" or "rejected" when every standing decision agrees, "disputed" when they differ. */
export function outcome(decisions: readonly Decision[]): Outcome {
  const kinds = new Set(decisions.map((d) => d.decision));
  if (kinds.size === 0) return '';
  if (kinds.size > 1) return 'disputed';
  return kinds.has('approve') ? 'approved' : 'rejected';
}

/** This person's standing decision on a card, or undefined. */
export function mine(decisions: readonly Decision[], person: string | null): Decision | undefined {
  return person === null ? undefined : decisions.find((d) => d.person === person);
}

/** How many standing decisions approve and reject. */
export function tally(decisions: readonly Decision[]): { approve: number; reject: number } {
  let approve = 0;
  for (const d of decisions) if (d.decision === 'approve') approve += 1;
  return { approve, reject: decisions.length - approve };
}
