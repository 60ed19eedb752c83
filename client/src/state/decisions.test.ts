import { describe, expect, it } from 'vitest';
import { mine, outcome, parseDecisions, standing, tally } from './decisions';

const entry = (person: string, decision: string, at: number, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  person,
  name: person.toUpperCase(),
  department: 'Finance',
  role: 'reviewer',
  decision,
  comment: '',
  at_ms: at,
  ...extra,
});

describe('decisions', () => {
  it('reads the decisions root and leaves out what does not read', () => {
    const read = parseDecisions({
      s1: [entry('rita', 'approve', 10, { comment: 'Go' }), entry('', 'approve', 11, { name: '' }), entry('sam', 'maybe', 12), 'x'],
      imported: [{ name: 'Anna', decision: 'reject', at_ms: 5 }],
      s2: 'not a list',
      s3: [],
    });
    expect([...read.keys()]).toEqual(['s1', 'imported']);
    expect(read.get('imported')?.[0]?.person).toBe('name:Anna');
    expect(read.get('s1')).toEqual([
      { person: 'rita', name: 'RITA', department: 'Finance', role: 'reviewer', decision: 'approve', comment: 'Go', atMs: 10 },
    ]);
    expect(parseDecisions(null).size).toBe(0);
    expect(parseDecisions([1, 2]).size).toBe(0);
  });

  it("keeps each person's latest decision, oldest first", () => {
    const all = parseDecisions({
      s1: [entry('rita', 'approve', 10), entry('sam', 'reject', 20), entry('rita', 'reject', 30)],
    }).get('s1') ?? [];
    const kept = standing(all);
    expect(kept.map((d) => [d.person, d.decision])).toEqual([
      ['sam', 'reject'],
      ['rita', 'reject'],
    ]);
    expect(mine(kept, 'rita')?.decision).toBe('reject');
    expect(mine(kept, 'nobody')).toBeUndefined();
    expect(mine(kept, null)).toBeUndefined();
  });

  it('sums the standing decisions up: approved, rejected, disputed or none', () => {
    const read = (kinds: string[]): ReturnType<typeof standing> =>
      standing(parseDecisions({ s: kinds.map((kind, i) => entry(`p${i}`, kind, i)) }).get('s') ?? []);
    expect(outcome(read([]))).toBe('');
    expect(outcome(read(['approve', 'approve']))).toBe('approved');
    expect(outcome(read(['reject']))).toBe('rejected');
    expect(outcome(read(['approve', 'reject', 'approve']))).toBe('disputed');
    expect(tally(read(['approve', 'reject', 'approve']))).toEqual({ approve: 2, reject: 1 });
  });
});
