// The workshop of the open board, shared with the parts deep in the map (a stage's badge)
// through Svelte's context rather than props through every layer between.
import { getContext, setContext } from 'svelte';
import type { WorkshopModel } from './workshop.svelte';

export interface JourneyContext {
  readonly workshop: WorkshopModel;
  /** Open another journey of the workshop in this page. */
  readonly open: (journeyId: string) => void;
}

const KEY = Symbol('journeys');

export function setJourneyContext(context: JourneyContext): void {
  setContext(KEY, context);
}

/** The workshop of the open board, or null outside a board (tests, the home page). */
export function journeyContext(): JourneyContext | null {
  return getContext<JourneyContext | undefined>(KEY) ?? null;
}
