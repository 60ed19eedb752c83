// The action plan's owner choices (pure).
import type { Participant } from './session';

export interface OwnerChoices {
  /** Names of the people on the board (removed people left out), in join order. */
  readonly people: readonly string[];
  /** Their departments, for a team as owner, without names already listed. */
  readonly departments: readonly string[];
  /** The stored owner when it is none of the above (typed elsewhere, or a person who left). */
  readonly other: string | null;
}

export function ownerChoices(participants: readonly Participant[], current: string | undefined): OwnerChoices {
  const people: string[] = [];
  const departments: string[] = [];
  const seen = new Set<string>();
  for (const person of participants) {
    const name = person.name.trim();
    if (person.removed || name === '' || seen.has(name)) continue;
    seen.add(name);
    people.push(name);
  }
  for (const person of participants) {
    const department = person.department.trim();
    if (person.removed || department === '' || seen.has(department)) continue;
    seen.add(department);
    departments.push(department);
  }
  const owner = current ?? '';
  return { people, departments, other: owner === '' || seen.has(owner) ? null : owner };
}
