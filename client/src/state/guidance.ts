// What to do now, per phase and role: the one-line instruction in the top bar and the
// facilitator's checklist in the dock (pure: catalogue keys, which the UI translates).
import type { MessageKey } from '../i18n/i18n.svelte';
import type { Role } from './session';

export interface Guidance {
  /** One line for everyone in the room (the top bar). */
  readonly line: MessageKey | null;
  /** The facilitator's short checklist for this phase. */
  readonly checklist: readonly MessageKey[];
  /** What the next phase brings, for the facilitator. */
  readonly next: MessageKey | null;
  /** How long the phase usually takes, for the facilitator's script. */
  readonly minutes: MessageKey | null;
}

const GUIDANCE: Readonly<Record<string, Guidance>> = {
  lobby: {
    line: 'guidance.lobby.line',
    checklist: [
      'guidance.lobby.check_1',
      'guidance.lobby.check_2',
      'guidance.lobby.check_3',
      'guidance.lobby.check_4',
    ],
    next: 'guidance.lobby.next',
    minutes: 'guidance.lobby.minutes',
  },
  discovery: {
    line: 'guidance.discovery.line',
    checklist: [
      'guidance.discovery.check_1',
      'guidance.discovery.check_2',
      'guidance.discovery.check_3',
      'guidance.discovery.check_4',
    ],
    next: 'guidance.discovery.next',
    minutes: 'guidance.discovery.minutes',
  },
  pain_points: {
    line: 'guidance.pain_points.line',
    checklist: [
      'guidance.pain_points.check_1',
      'guidance.pain_points.check_2',
      'guidance.pain_points.check_3',
      'guidance.pain_points.check_4',
    ],
    next: 'guidance.pain_points.next',
    minutes: 'guidance.pain_points.minutes',
  },
  solution_rating: {
    line: 'guidance.solution_rating.line',
    checklist: [
      'guidance.solution_rating.check_1',
      'guidance.solution_rating.check_2',
      'guidance.solution_rating.check_3',
      'guidance.solution_rating.check_4',
    ],
    next: 'guidance.solution_rating.next',
    minutes: 'guidance.solution_rating.minutes',
  },
  action_plan: {
    line: 'guidance.action_plan.line',
    checklist: [
      'guidance.action_plan.check_1',
      'guidance.action_plan.check_2',
      'guidance.action_plan.check_3',
      'guidance.action_plan.check_4',
    ],
    next: 'guidance.action_plan.next',
    minutes: 'guidance.action_plan.minutes',
  },
};

const UNKNOWN: Guidance = { line: null, checklist: [], next: null, minutes: null };

/** The guidance of a phase; the lobby line differs for facilitators and viewers, every line for reviewers. */
export function guidance(phase: string, role: Role): Guidance {
  const entry = GUIDANCE[phase] ?? UNKNOWN;
  if (phase === 'lobby' && role === 'facilitator') return { ...entry, line: 'guidance.lobby_facilitator' };
  if (phase === 'lobby' && role === 'viewer') return { ...entry, line: 'guidance.lobby_viewer' };
  // A reviewer only decides on solutions: say so once the plan is open, and wait till then.
  if (role === 'reviewer') return { ...entry, line: phase === 'action_plan' ? 'guidance.reviewer_plan' : 'guidance.reviewer_wait' };
  return entry;
}
