// Generated from shared_schema/commands.json by client/tools/gen-types.mjs (json-schema-to-typescript).
// Do not edit: change the schema file and run `npm run gen:types`.

export type Command =
  | RotateLinkCommand
  | RemoveCommand
  | SetPhaseCommand
  | TimerCommand
  | LockCommand
  | SpotlightCommand
  | FollowCommand
  | PrivateWritingCommand
  | PublishDraftsCommand
  | RevealCommand
  | ConfigureCommand
  | PromoteCommand
  | VoteCommand
  | RateCommand
  | DecideCommand
  | SetMetricCommand
  | StartFollowUpCommand;

/**
 * Replace a link: its old token stops working for joins and sockets at once.
 */
export interface RotateLinkCommand {
  type: 'rotate_link';
  role: 'facilitator' | 'participant' | 'viewer' | 'reviewer';
}
/**
 * Remove a person: their token stops working and their sockets close at once. Removing a facilitator also rotates the facilitator link (they could read it); the result's `rotated` lists the links that changed and `links` carries the new ones.
 */
export interface RemoveCommand {
  type: 'remove';
  participant: string;
}
/**
 * Move the workshop to a phase (forward or back); the history is kept. Moving to another phase stops and clears the timer.
 */
export interface SetPhaseCommand {
  type: 'set_phase';
  phase: 'lobby' | 'discovery' | 'pain_points' | 'solution_rating' | 'action_plan';
}
/**
 * Start, pause, resume, stop or extend the phase timer (server clock).
 */
export interface TimerCommand {
  type: 'timer';
  action: 'start' | 'pause' | 'resume' | 'stop' | 'extend';
  seconds?: number;
}
/**
 * Lock or unlock content editing for everyone but facilitators.
 */
export interface LockCommand {
  type: 'lock';
  locked: boolean;
}
/**
 * Bring everyone to a stage (null to release).
 */
export interface SpotlightCommand {
  type: 'spotlight';
  stage: string | null;
}
/**
 * Bring everyone to me: everyone's view follows the sender's (session.follow names them; they must have joined), or nobody's (false).
 */
export interface FollowCommand {
  type: 'follow';
  on: boolean;
}
/**
 * Turn private writing on or off. While it is on, new cards (also facilitators') go to each person's private document (`/ws/{board}/private`), optionally only for the listed lanes (by card kind); others see only draft counts. Turning it off keeps the drafts private until a reveal or a publish.
 */
export interface PrivateWritingCommand {
  type: 'private_writing';
  on: boolean;
  lanes?:
    | (
        | 'action'
        | 'touchpoint'
        | 'thought'
        | 'feeling'
        | 'pain'
        | 'gain'
        | 'backstage'
        | 'solution'
        | 'inspiration'
        | 'note'
      )[]
    | null;
}
/**
 * Publish the sender's own drafts now: they move from their private document into the board, as a reveal does for everyone.
 */
export interface PublishDraftsCommand {
  type: 'publish_drafts';
}
/**
 * Reveal the votes or the ratings (totals stay live afterwards), or everyone's drafts: they move from the private documents into the board in one change, exactly once.
 */
export interface RevealCommand {
  type: 'reveal';
  what: 'votes' | 'ratings' | 'drafts';
}
/**
 * Change the vote budget, the board's description, and anonymous mode (revealed drafts carry no author).
 */
export interface ConfigureCommand {
  type: 'configure';
  votes_per_person?: number;
  max_votes_per_card?: number | null;
  title?: string;
  persona?: string;
  scope?: string;
  customer_goal?: string;
  anonymous?: boolean;
}
/**
 * Make a participant a co-facilitator.
 */
export interface PromoteCommand {
  type: 'promote';
  participant: string;
}
/**
 * Give (+1) or take back (-1) a dot-vote on a pain point card.
 */
export interface VoteCommand {
  type: 'vote';
  card: string;
  delta: 1 | -1;
}
/**
 * Rate a solution card for effort and impact (1..5); rating again replaces.
 */
export interface RateCommand {
  type: 'rate';
  card: string;
  effort: number;
  impact: number;
}
/**
 * Approve or reject a solution: the decision of record, kept with who, department, when and comment. Allowed once the workshop has reached the action plan, also long after it (no live session needed). Each reviewer's decisions are kept; deciding again adds a newer one.
 */
export interface DecideCommand {
  type: 'decide';
  card: string;
  decision: 'approve' | 'reject';
  comment?: string;
}
/**
 * Set one measured value at a touchpoint: NPS (-100..100), CSAT (0..100 %), CES (1..7) or a named KPI with its unit, on a day (yyyy-mm-dd). The same touchpoint, metric and day replaces the value kept; other days add to its series.
 */
export interface SetMetricCommand {
  type: 'set_metric';
  card: string;
  metric: string;
  value: number;
  date: string;
  unit?: string;
}
/**
 * Start a follow-up of the whole workshop in the given phase, from a workshop that reached the action plan. Every journey keeps its current session in its session document's history (its phases and times, votes, ratings, decisions and the plan as it stood) and starts the new one with fresh votes and ratings; the result's `journeys` lists them.
 */
export interface StartFollowUpCommand {
  type: 'start_follow_up';
  phase: 'lobby' | 'discovery' | 'pain_points' | 'solution_rating' | 'action_plan';
}
