// The workshop phases from shared_schema/phases.json (pure).
import table from '../../../shared_schema/phases.json';
import type { SetPhaseCommand } from '../generated/commands';

/** A phase id, as commands.json's `set_phase` names them (phases.test.ts: the same list). */
export type Phase = SetPhaseCommand['phase'];

export interface PhaseInfo {
  readonly id: string;
  readonly title: string;
  readonly instructions: string;
  readonly commands: readonly string[];
}

// phases.json's `order` and commands.json's `set_phase.phase` enum are one list; the test holds them equal.
export const PHASE_ORDER = table.order as readonly Phase[];

const PHASES: ReadonlyMap<string, PhaseInfo> = new Map(
  Object.entries(table.phases).map(([id, phase]) => [
    id,
    { id, title: phase.title, instructions: phase.instructions, commands: phase.commands },
  ]),
);

/** A phase's title and instructions; unknown phases get a neutral entry. */
export function phaseInfo(id: string): PhaseInfo {
  return PHASES.get(id) ?? { id, title: id, instructions: '', commands: [] };
}

/** Where `id` stands in PHASE_ORDER (0-based), or -1 for a phase the client does not know. */
export function phaseIndex(id: string): number {
  const order: readonly string[] = PHASE_ORDER;
  return order.indexOf(id);
}

/** The phase before (-1) or after (+1) `id`, or null at either end. */
export function adjacentPhase(id: string, step: -1 | 1): Phase | null {
  const index = phaseIndex(id);
  if (index < 0) return PHASE_ORDER[0] ?? null;
  return PHASE_ORDER[index + step] ?? null;
}

/** True once the workshop has reached `phase` (or gone past it). */
export function reached(current: string, phase: string): boolean {
  return phaseIndex(current) >= phaseIndex(phase);
}
