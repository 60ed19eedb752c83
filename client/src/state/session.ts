// Read-only, typed view of the session document, which only the server writes (no DOM).
import * as Y from 'yjs';
import { parseDecisions, type Decision } from './decisions';
import { earlierSession, parseRatings, type EarlierSession, type Rated } from './followup';

export type Role = 'facilitator' | 'participant' | 'viewer' | 'reviewer';

/** Roles that watch the board without editing it (a reviewer may only decide on solutions). */
export function watches(role: Role): boolean {
  return role === 'viewer' || role === 'reviewer';
}

export interface TimerState {
  readonly running: boolean;
  readonly endsAtMs: number | null;
  readonly remainingMs: number | null;
}

export interface Participant {
  readonly id: string;
  readonly name: string;
  readonly department: string;
  readonly role: Role;
  readonly color: string;
  readonly removed: boolean;
}

/** Whom everyone's view follows ("bring everyone to me"); their presence has `user.id`. */
export interface Follow {
  readonly participant: string;
  readonly name: string;
  /** The journey of the workshop the leader is on (null: this one, or an older server). */
  readonly journey: string | null;
}

/** A solution's revealed rating (the `ratings` root's entry). */
export type RatingSummary = Rated;

/** Private writing (`session.private_writing`): on or off, and the lanes it covers (null: all). */
export interface PrivateWriting {
  readonly on: boolean;
  readonly lanes: readonly string[] | null;
}

export interface SessionView {
  readonly title: string;
  readonly persona: string;
  /** Counts the persona picture's changes (`board.persona_picture`; 0: none): fetch it again. */
  readonly personaPicture: number;
  readonly scope: string;
  readonly customerGoal: string;
  readonly phase: string;
  readonly timer: TimerState;
  readonly locked: boolean;
  readonly spotlight: string | null;
  /** The facilitator everyone follows, or null (`session.follow`). */
  readonly follow: Follow | null;
  readonly votesPerPerson: number;
  readonly revealed: { readonly votes: boolean; readonly ratings: boolean };
  readonly participants: readonly Participant[];
  readonly votes: ReadonlyMap<string, number>;
  readonly ratings: ReadonlyMap<string, RatingSummary>;
  readonly progress: Readonly<Record<string, number>>;
  readonly privateWriting: PrivateWriting;
  /** Revealed drafts carry no author; others see one total draft count. */
  readonly anonymous: boolean;
  /** Drafts per person (participant id -> total over lanes); empty in anonymous mode. */
  readonly drafts: ReadonlyMap<string, number>;
  /** Everyone's drafts together. */
  readonly draftsTotal: number;
  /** Which session this is (`session.number`): 2 and up in a follow-up workshop. */
  readonly number: number;
  /** Every decision on a solution (card id -> entries, oldest first; `decisions` root). */
  readonly decisions: ReadonlyMap<string, readonly Decision[]>;
  /** The session before this one (`history` root), or null in a first session. */
  readonly earlier: EarlierSession | null;
}

type Json = Record<string, unknown>;

function isRecord(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function str(value: unknown, fallback = ''): string {
  return typeof value === 'string' ? value : fallback;
}

function num(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

export function isRole(value: unknown): value is Role {
  return value === 'facilitator' || value === 'participant' || value === 'viewer' || value === 'reviewer';
}

/** A root map as plain JSON, or {} when absent or of another type. */
function root(doc: Y.Doc, name: string): Json {
  try {
    const value: unknown = doc.getMap<unknown>(name).toJSON();
    return isRecord(value) ? value : {};
  } catch {
    return {};
  }
}

/** Parse the session document's JSON (as from `GET /api/boards/{id}` or the live doc). */
export function parseSession(json: {
  board: unknown;
  session: unknown;
  participants: unknown;
  votes: unknown;
  ratings: unknown;
  progress: unknown;
  drafts?: unknown;
  decisions?: unknown;
  history?: unknown;
}): SessionView {
  const board = isRecord(json.board) ? json.board : {};
  const session = isRecord(json.session) ? json.session : {};
  const timer = isRecord(session['timer']) ? session['timer'] : {};
  const revealed = isRecord(session['revealed']) ? session['revealed'] : {};
  const participants: Participant[] = [];
  if (isRecord(json.participants)) {
    for (const [id, value] of Object.entries(json.participants)) {
      if (!isRecord(value)) continue;
      const role = value['role'];
      participants.push({
        id,
        name: str(value['name'], '?'),
        department: str(value['department']),
        role: isRole(role) ? role : 'participant',
        color: str(value['color'], '#52606d'),
        removed: value['removed'] === true,
      });
    }
  }
  const votes = new Map<string, number>();
  if (isRecord(json.votes)) {
    for (const [card, total] of Object.entries(json.votes)) {
      const n = num(total);
      if (n !== null) votes.set(card, n);
    }
  }
  const ratings: ReadonlyMap<string, RatingSummary> = parseRatings(json.ratings);
  const progress: Record<string, number> = {};
  if (isRecord(json.progress)) {
    for (const [key, value] of Object.entries(json.progress)) {
      const n = num(value);
      if (n !== null) progress[key] = n;
    }
  }
  const drafts = new Map<string, number>();
  if (isRecord(json.drafts)) {
    for (const [person, lanes] of Object.entries(json.drafts)) {
      if (!isRecord(lanes)) continue;
      const total = Object.values(lanes).reduce<number>((sum, n) => sum + (num(n) ?? 0), 0);
      if (total > 0) drafts.set(person, total);
    }
  }
  const number = Math.max(1, Math.floor(num(session['number']) ?? 1));
  const writing = isRecord(session['private_writing']) ? session['private_writing'] : {};
  const lanes = writing['lanes'];
  const spotlight = session['spotlight'];
  const leader = session['follow'];
  const follow =
    isRecord(leader) && typeof leader['participant'] === 'string' && leader['participant'] !== ''
      ? {
          participant: leader['participant'],
          name: str(leader['name'], '?'),
          journey: typeof leader['journey'] === 'string' && leader['journey'] !== '' ? leader['journey'] : null,
        }
      : null;
  return {
    title: str(board['title']),
    persona: str(board['persona']),
    personaPicture: num(board['persona_picture']) ?? 0,
    scope: str(board['scope']),
    customerGoal: str(board['customer_goal']),
    phase: str(session['phase'], 'lobby'),
    timer: {
      running: timer['running'] === true,
      endsAtMs: num(timer['ends_at_ms']),
      remainingMs: num(timer['remaining_ms']),
    },
    locked: session['locked'] === true,
    spotlight: typeof spotlight === 'string' ? spotlight : null,
    follow,
    votesPerPerson: num(session['votes_per_person']) ?? 0,
    revealed: { votes: revealed['votes'] === true, ratings: revealed['ratings'] === true },
    participants,
    votes,
    ratings,
    progress,
    privateWriting: {
      on: writing['on'] === true,
      lanes: Array.isArray(lanes) ? lanes.filter((lane): lane is string => typeof lane === 'string') : null,
    },
    anonymous: session['anonymous'] === true,
    drafts,
    draftsTotal: num(session['drafts_total']) ?? 0,
    number,
    decisions: parseDecisions(json.decisions),
    earlier: number > 1 ? earlierSession(json.history, number) : null,
  };
}

/** The live session document as a view. */
export function readSession(doc: Y.Doc): SessionView {
  return parseSession({
    board: root(doc, 'board'),
    session: root(doc, 'session'),
    participants: root(doc, 'participants'),
    votes: root(doc, 'votes'),
    ratings: root(doc, 'ratings'),
    progress: root(doc, 'progress'),
    drafts: root(doc, 'drafts'),
    decisions: root(doc, 'decisions'),
    history: root(doc, 'history'),
  });
}
