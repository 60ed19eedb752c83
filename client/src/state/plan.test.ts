import { describe, expect, it } from 'vitest';
import { ownerChoices } from './plan';
import type { Participant } from './session';

function person(name: string, department: string, removed = false): Participant {
  return { id: name, name, department, role: 'participant', color: '#000', removed };
}

const people = [
  person('Ann', 'Claims'),
  person('Ben', 'IT'),
  person('Cy', 'Claims', true),
  person('Ann', 'Sales'),
  person('Dee', ''),
  person('Eve', 'Ben'),
];

describe('ownerChoices', () => {
  it('lists the people still on the board and their departments, each once', () => {
    const choices = ownerChoices(people, undefined);
    expect(choices.people).toEqual(['Ann', 'Ben', 'Dee', 'Eve']);
    expect(choices.departments).toEqual(['Claims', 'IT', 'Sales']);
    expect(choices.other).toBeNull();
  });

  it('keeps an owner that is none of them as an extra choice', () => {
    expect(ownerChoices(people, 'Digital team').other).toBe('Digital team');
    expect(ownerChoices(people, 'Cy').other).toBe('Cy'); // removed, but still the owner
    expect(ownerChoices(people, 'IT').other).toBeNull();
    expect(ownerChoices(people, 'Ann').other).toBeNull();
    expect(ownerChoices(people, '').other).toBeNull();
  });
});
