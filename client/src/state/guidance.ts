// What to do now, per phase and role: the one-line instruction in the top bar and the
// facilitator's checklist in the dock (pure).
import type { Role } from './session';

export interface Guidance {
  /** One line for everyone in the room (the top bar). */
  readonly line: string;
  /** The facilitator's short checklist for this phase. */
  readonly checklist: readonly string[];
  /** What the next phase brings, for the facilitator. */
  readonly next: string;
  /** How long the phase usually takes, for the facilitator's script. */
  readonly minutes: string;
}

const FACILITATOR_LOBBY =
  'Share the participant link (or its QR code), wait for people to join, then start Discovery.';

const GUIDANCE: Readonly<Record<string, Guidance>> = {
  lobby: {
    line: 'Welcome! The facilitator will start the workshop shortly.',
    checklist: [
      'Copy the participant link or show its QR code',
      'Share the viewer link with stakeholders',
      'Check the stages fit this journey',
      'Add your name to vote and rate as yourself',
    ],
    next: 'Discovery: everyone maps the journey.',
    minutes: '5 min',
  },
  discovery: {
    line: 'Map the journey stage by stage: what the customer does, touchpoints, thoughts and feelings.',
    checklist: [
      'Set a timer (10–15 min works well)',
      'Spotlight a stage to walk through it together',
      'Ask for a feeling per stage: the curve shows the mood',
      'Bring everyone to you before moving on',
    ],
    next: 'Pain points: add pains, then dot-vote.',
    minutes: '20–30 min',
  },
  pain_points: {
    line: 'Add pain points, then spend your votes on the ones that hurt the customer most.',
    checklist: [
      'Give people a few minutes to add pains',
      'Check the vote budget, then let people vote',
      'Watch “voted so far” in the dock',
      'Reveal the votes and discuss the top pains',
    ],
    next: 'Solution rating: propose and rate solutions.',
    minutes: '15–20 min',
  },
  solution_rating: {
    line: 'Propose solutions to the top pains, then rate each for effort and impact.',
    checklist: [
      'Add solutions next to the pains they answer',
      'Let everyone rate effort and impact (hidden until revealed)',
      'Reveal the ratings and open the matrix',
      'Start with the quick wins',
    ],
    next: 'Action plan: owners, dates and decisions.',
    minutes: '20 min',
  },
  action_plan: {
    line: 'Agree who owns each solution, by when, and approve or reject it.',
    checklist: [
      'Open the action plan beside the map',
      'Pick an owner and a due date per solution',
      'Approve or reject each one',
      'Export the report for the stakeholders',
    ],
    next: 'The workshop is done: export the report.',
    minutes: '15 min',
  },
};

const UNKNOWN: Guidance = { line: '', checklist: [], next: '', minutes: '' };

/** The guidance of a phase; the lobby line differs for facilitators and for everyone else. */
export function guidance(phase: string, role: Role): Guidance {
  const entry = GUIDANCE[phase] ?? UNKNOWN;
  if (phase === 'lobby' && role === 'facilitator') return { ...entry, line: FACILITATOR_LOBBY };
  if (phase === 'lobby' && role === 'viewer') {
    return { ...entry, line: 'You are watching this workshop live. It starts shortly.' };
  }
  return entry;
}
