import { describe, expect, it } from 'vitest';
import { guidance } from './guidance';

describe('guidance for a reviewer', () => {
  it('asks for decisions in the action plan and says when they open before it', () => {
    expect(guidance('action_plan', 'reviewer').line).toBe('guidance.reviewer_plan');
    expect(guidance('discovery', 'reviewer').line).toBe('guidance.reviewer_wait');
    expect(guidance('lobby', 'reviewer').line).toBe('guidance.reviewer_wait');
    expect(guidance('action_plan', 'participant').line).not.toBe('guidance.reviewer_plan');
  });
});
