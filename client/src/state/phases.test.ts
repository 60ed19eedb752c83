import { describe, expect, it } from 'vitest';
import commands from '../../../shared_schema/commands.json';
import { adjacentPhase, PHASE_ORDER, phaseIndex } from './phases';

describe('phase list', () => {
  it('is the one set_phase accepts, in the order phases.json gives', () => {
    // PHASE_ORDER is typed by commands.json's enum; this keeps the two files one list.
    expect([...PHASE_ORDER]).toEqual(commands.$defs.set_phase.properties.phase.enum);
  });

  it('places unknown phases nowhere and steps from them to the first', () => {
    expect(phaseIndex('discovery')).toBe(1);
    expect(phaseIndex('brainstorm')).toBe(-1);
    expect(adjacentPhase('brainstorm', 1)).toBe('lobby');
  });
});
