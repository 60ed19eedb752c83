// The method's own words (phases, lanes, quadrants, channels) in the active language, keyed by
// the ids of shared_schema/. docs/GLOSSARY.md holds the term for each in each language.
import type { Phase } from '../state/phases';
import type { CardKind, Channel } from '../state/lanes';
import type { Quadrant } from '../state/matrix';
import { clampScore, signed } from '../state/emotion';
import type { Role } from '../state/session';
import type { CloseName } from '../sync/closeCodes';
import { t, type MessageKey } from './i18n.svelte';

const PHASE_TITLES: Readonly<Record<Phase, MessageKey>> = {
  lobby: 'phase.lobby',
  discovery: 'phase.discovery',
  pain_points: 'phase.pain_points',
  solution_rating: 'phase.solution_rating',
  action_plan: 'phase.action_plan',
};

const PHASE_INSTRUCTIONS: Readonly<Record<Phase, MessageKey>> = {
  lobby: 'phase.lobby_instructions',
  discovery: 'phase.discovery_instructions',
  pain_points: 'phase.pain_points_instructions',
  solution_rating: 'phase.solution_rating_instructions',
  action_plan: 'phase.action_plan_instructions',
};

const LANE_TITLES: Readonly<Record<CardKind, MessageKey>> = {
  action: 'lane.action',
  touchpoint: 'lane.touchpoint',
  thought: 'lane.thought',
  feeling: 'lane.feeling',
  pain: 'lane.pain',
  gain: 'lane.gain',
  backstage: 'lane.backstage',
  solution: 'lane.solution',
  note: 'lane.note',
};

const QUADRANT_TITLES: Readonly<Record<Quadrant, MessageKey>> = {
  quick_win: 'quadrant.quick_win',
  big_bet: 'quadrant.big_bet',
  fill_in: 'quadrant.fill_in',
  money_pit: 'quadrant.money_pit',
};

const QUADRANT_LABELS: Readonly<Record<Quadrant, MessageKey>> = {
  quick_win: 'quadrant.quick_wins',
  big_bet: 'quadrant.big_bets',
  fill_in: 'quadrant.fill_ins',
  money_pit: 'quadrant.money_pits',
};

const CHANNEL_NAMES: Readonly<Record<Channel, MessageKey>> = {
  web: 'channel.web',
  app: 'channel.app',
  phone: 'channel.phone',
  store: 'channel.store',
  letter: 'channel.letter',
  'e-mail': 'channel.email',
  chat: 'channel.chat',
  other: 'channel.other',
};

function lookUp<K extends string>(table: Readonly<Record<K, MessageKey>>, id: string): MessageKey | null {
  return Object.hasOwn(table, id) ? table[id as K] : null;
}

/** A phase's name ("Kartläggning"); a phase this client does not know shows its id. */
export function phaseTitle(id: string): string {
  const key = lookUp(PHASE_TITLES, id);
  return key === null ? id : t(key);
}

/** What everyone does in a phase (the help panel); empty for an unknown phase. */
export function phaseInstructions(id: string): string {
  const key = lookUp(PHASE_INSTRUCTIONS, id);
  return key === null ? '' : t(key);
}

/** A lane's name ("Kontaktpunkter"); an unknown kind shows as written. */
export function laneTitle(kind: string): string {
  const key = lookUp(LANE_TITLES, kind);
  return key === null ? kind : t(key);
}

/** One solution's quadrant ("Quick win"). */
export function quadrantTitle(quadrant: Quadrant): string {
  return t(QUADRANT_TITLES[quadrant]);
}

/** A quadrant's label on the matrix ("Quick wins"). */
export function quadrantLabel(quadrant: Quadrant): string {
  return t(QUADRANT_LABELS[quadrant]);
}

/** A channel's name ("Telefon"). */
export function channelName(channel: Channel): string {
  return t(CHANNEL_NAMES[channel]);
}

const ROLE_NAMES: Readonly<Record<Role, MessageKey>> = {
  facilitator: 'role.facilitator',
  participant: 'role.participant',
  viewer: 'role.viewer',
  reviewer: 'role.reviewer',
};

/** "Facilitator", "Participant", "Viewer" in the active language. */
export function roleName(role: Role): string {
  return t(ROLE_NAMES[role]);
}

/** The role chip's text: "Fay · Facilitator", "Viewer", "Not joined yet · Facilitator". */
export function roleChipText(name: string | null, role: Role): string {
  if (role === 'viewer') return roleName(role);
  return `${name ?? t('role.not_joined')} · ${roleName(role)}`;
}

const FEELING_WORDS: Readonly<Record<number, MessageKey>> = {
  [-3]: 'feeling.very_upset',
  [-2]: 'feeling.upset',
  [-1]: 'feeling.a_bit_unhappy',
  0: 'feeling.neutral',
  1: 'feeling.fairly_happy',
  2: 'feeling.happy',
  3: 'feeling.delighted',
};

/** What a score means in words: "upset" for -2. */
export function feelingWord(score: number): string {
  return t(FEELING_WORDS[clampScore(score)] ?? 'feeling.neutral');
}

/** The text label of a face: "Feeling −2 (upset)", or "Feeling not scored". */
export function feelingLabel(score: number | null | undefined): string {
  if (score === null || score === undefined) return t('feeling.not_scored');
  const whole = clampScore(score);
  return t('feeling.label', { score: signed(whole), word: feelingWord(whole) });
}

const CLOSE_MESSAGES: Readonly<Record<CloseName, MessageKey>> = {
  GOING_AWAY: 'close.restarting',
  SERVICE_RESTART: 'close.restarting',
  TRY_AGAIN_LATER: 'close.try_again_later',
  MALFORMED: 'close.malformed',
  UNAUTHORIZED: 'close.unauthorized',
  FORBIDDEN: 'close.forbidden',
  NOT_FOUND: 'close.not_found',
  ORIGIN_REFUSED: 'close.origin_refused',
  LINK_ROTATED: 'close.link_rotated',
  TOO_LARGE: 'close.too_large',
  RATE_LIMITED: 'close.rate_limited',
  SLOW_CONSUMER: 'close.slow_consumer',
  TOO_MANY_CONNECTIONS: 'close.too_many_connections',
  SERVER_BUSY: 'close.server_busy',
  DOCUMENT_TOO_LARGE: 'close.document_too_large',
  UNREADABLE_UPDATE: 'close.unreadable_update',
};

/** What the board says after the server closed its socket with a named code. */
export function closeMessage(close: CloseName | null, fallback: string | null): string | null {
  return close === null ? fallback : t(CLOSE_MESSAGES[close]);
}
