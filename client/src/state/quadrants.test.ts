import { describe, expect, it } from 'vitest';
import { HIGH_IMPACT_FROM, LOW_EFFORT_UP_TO, QUADRANTS, quadrantAt, quadrantOf, type Level } from './matrix';

describe('quadrants from shared_schema/quadrants.json', () => {
  it('cover each pair of levels exactly once', () => {
    const levels: Level[] = ['high', 'low'];
    const pairs = Object.values(QUADRANTS).map((q) => `${q.impact}/${q.effort}`);
    expect(new Set(pairs).size).toBe(4);
    for (const impact of levels) for (const effort of levels) expect(pairs).toContain(`${impact}/${effort}`);
  });

  it('place a solution by the thresholds, a mean on one counting as high impact and low effort', () => {
    expect(quadrantOf(LOW_EFFORT_UP_TO, HIGH_IMPACT_FROM)).toBe(quadrantAt('high', 'low'));
    expect(quadrantOf(LOW_EFFORT_UP_TO + 0.1, HIGH_IMPACT_FROM)).toBe('big_bet');
    expect(quadrantOf(LOW_EFFORT_UP_TO, HIGH_IMPACT_FROM - 0.1)).toBe('fill_in');
    expect(quadrantOf(5, 1)).toBe('money_pit');
  });
});
