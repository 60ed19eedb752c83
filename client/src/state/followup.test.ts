import { describe, expect, it } from 'vitest';
import { earlierSession, matrixMoves, moveArrow, moveObstacles, parseRatings } from './followup';
import { effortX, impactY, matrixLayout } from './matrix';

const rated = (effort: number, impact: number, quadrant = ''): Record<string, unknown> => ({
  effort,
  impact,
  n: 3,
  effort_spread: 0.5,
  impact_spread: 0.25,
  quadrant,
});

describe('the earlier session', () => {
  it('is the highest numbered history entry before the current session', () => {
    const history = {
      '1': { number: 1, ended_at_ms: 100, ratings: { s1: rated(2, 5, 'quick_win') } },
      '2': { number: 2, ended_at_ms: 200, ratings: { s1: rated(4, 3) } },
      '3': { number: 3, ratings: {} },
    };
    const earlier = earlierSession(history, 3);
    expect(earlier?.number).toBe(2);
    expect(earlier?.endedAtMs).toBe(200);
    expect(earlier?.ratings.get('s1')?.effort).toBe(4);
    expect(earlierSession(history, 2)?.number).toBe(1);
    expect(earlierSession(history, 1)).toBeNull();
    expect(earlierSession(null, 2)).toBeNull();
    expect(earlierSession({ '1': 'junk' }, 2)).toBeNull();
  });

  it('reads ratings as the ratings root has them, leaving out entries without means', () => {
    const read = parseRatings({ s1: rated(2, 5, 'quick_win'), s2: { effort: 2 }, s3: 'x' });
    expect([...read.keys()]).toEqual(['s1']);
    expect(read.get('s1')).toEqual({ effort: 2, impact: 5, n: 3, effortSpread: 0.5, impactSpread: 0.25, quadrant: 'quick_win' });
  });
});

describe('the matrix arrows', () => {
  it('leave the earlier ring and stop short of the current dot', () => {
    const arrow = moveArrow({ x: 0, y: 0 }, { x: 100, y: 0 }, 4, 8);
    expect(arrow).toEqual({ x1: 4, y1: 0, x2: 92, y2: 0 });
    const diagonal = moveArrow({ x: 0, y: 0 }, { x: 30, y: 40 }, 5, 5);
    expect(diagonal?.x1).toBeCloseTo(3);
    expect(diagonal?.y1).toBeCloseTo(4);
    expect(diagonal?.x2).toBeCloseTo(27);
    expect(diagonal?.y2).toBeCloseTo(36);
  });

  it('are left out when the solution barely moved', () => {
    expect(moveArrow({ x: 10, y: 10 }, { x: 20, y: 10 }, 4, 8)).toBeNull();
    expect(moveArrow({ x: 10, y: 10 }, { x: 10, y: 10 }, 4, 8)).toBeNull();
  });

  it('go from the earlier means to the current ones, for solutions rated in both sessions', () => {
    const layout = matrixLayout(368);
    const earlier = parseRatings({ s1: rated(2, 5, 'quick_win'), gone: rated(3, 3) });
    const now = parseRatings({ s1: rated(4, 2, 'money_pit'), fresh: rated(1, 1) });
    const moves = matrixMoves(
      [...now].map(([card, rating]) => ({ card, rating })),
      earlier,
      layout,
      6,
    );
    expect(moves.map((m) => m.card)).toEqual(['s1']);
    const [move] = moves;
    expect(move?.from).toMatchObject({ effort: 2, impact: 5, quadrant: 'quick_win' });
    expect(move?.to).toMatchObject({ effort: 4, impact: 2, quadrant: 'money_pit' });
    expect(move?.from.x).toBeCloseTo(effortX(2, layout));
    expect(move?.to.y).toBeCloseTo(impactY(2, layout));
    // The arrow runs right and down (harder, lower impact), ending before the current dot.
    expect(move?.arrow).not.toBeNull();
    const arrow = move?.arrow;
    if (arrow === null || arrow === undefined || move === undefined) return;
    expect(arrow.x2).toBeGreaterThan(arrow.x1);
    expect(arrow.y2).toBeGreaterThan(arrow.y1);
    expect(Math.hypot(move.to.x - arrow.x2, move.to.y - arrow.y2)).toBeCloseTo(8);
  });
});

describe('the moves as obstacles for labels', () => {
  it('cover the earlier ring and the arrow from end to end', () => {
    const from = { effort: 2, impact: 2, quadrant: 'fill_in' as const, x: 0, y: 0 };
    const to = { effort: 2, impact: 5, quadrant: 'quick_win' as const, x: 0, y: -100 };
    const boxes = moveObstacles([{ card: 's', from, to, arrow: { x1: 0, y1: -4, x2: 0, y2: -92 } }]);
    expect(boxes[0]).toEqual({ x: -5, y: -5, width: 10, height: 10 });
    const ys = boxes.slice(1).map((box) => box.y + box.height / 2);
    expect(ys[0]).toBeCloseTo(-4);
    expect(ys.at(-1)).toBeCloseTo(-92);
    expect(ys.length).toBe(10);
    expect(moveObstacles([{ card: 's', from, to, arrow: null }])).toHaveLength(1);
  });
});
