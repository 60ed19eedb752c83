// The workshop phases from shared_schema/phases.json (pure).
import table from '../../../shared_schema/phases.json';

export interface PhaseInfo {
  readonly id: string;
  readonly title: string;
  readonly instructions: string;
  readonly commands: readonly string[];
}

export const PHASE_ORDER: readonly string[] = table.order;

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

/** The phase before (-1) or after (+1) `id`, or null at either end. */
export function adjacentPhase(id: string, step: -1 | 1): string | null {
  const index = PHASE_ORDER.indexOf(id);
  if (index < 0) return PHASE_ORDER[0] ?? null;
  return PHASE_ORDER[index + step] ?? null;
}

/** True once the workshop has reached `phase` (or gone past it). */
export function reached(current: string, phase: string): boolean {
  return PHASE_ORDER.indexOf(current) >= PHASE_ORDER.indexOf(phase);
}
