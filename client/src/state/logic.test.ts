import { describe, expect, it, vi } from 'vitest';
import * as Y from 'yjs';
import {
  addCard,
  addStage,
  cardText,
  deleteCard,
  deleteStage,
  moveCard,
  readCards,
  readColumns,
  readStages,
  setCardField,
  shiftStage,
  type Card,
} from './content';
import { emotionCurve, quantile, scoreY } from './emotion';
import { effortX, impactY, quadrantOf, stepSize } from './matrix';
import { dropMove, keyboardMove } from './moves';
import { adjacentPhase, phaseInfo, reached } from './phases';
import { coalesce, readPeers, throttle } from './presence';
import { parseSession } from './session';
import { formatRemaining, remainingMs } from './timer';

function feeling(id: string, stage: string, emotion: number): Card {
  return { id, kind: 'feeling', stage, pos: id, text: '', author: '', emotion };
}

describe('emotion curve', () => {
  it('takes the median and spread per stage, skipping stages without feelings', () => {
    const stages = [
      { id: 'a', name: 'A', pos: '1' },
      { id: 'b', name: 'B', pos: '2' },
      { id: 'c', name: 'C', pos: '3' },
    ];
    const cards = [
      feeling('1', 'a', -3),
      feeling('2', 'a', 1),
      feeling('3', 'a', 2),
      feeling('4', 'c', 3),
      { ...feeling('5', 'c', 0), kind: 'thought' },
    ];
    const curve = emotionCurve(stages, cards);
    expect(curve.map((p) => [p.stage, p.index, p.n, p.median, p.min, p.max])).toEqual([
      ['a', 0, 3, 1, -3, 2],
      ['c', 2, 1, 3, 3, 3],
    ]);
    expect(curve[0]?.q1).toBe(-1);
    expect(curve[0]?.q3).toBe(1.5);
  });

  it('interpolates quantiles and maps scores to y', () => {
    expect(quantile([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(Number.isNaN(quantile([], 0.5))).toBe(true);
    expect(scoreY(3, 100, 10)).toBe(10);
    expect(scoreY(-3, 100, 10)).toBe(90);
    expect(scoreY(0, 100, 10)).toBe(50);
    expect(scoreY(9, 100, 10)).toBe(10);
  });
});

describe('matrix placement', () => {
  const frame = { width: 420, height: 420, pad: 10 };
  it('maps effort to x and impact to y (high impact on top)', () => {
    expect(effortX(1, frame)).toBe(10);
    expect(effortX(5, frame)).toBe(410);
    expect(effortX(3, frame)).toBe(210);
    expect(impactY(5, frame)).toBe(10);
    expect(impactY(1, frame)).toBe(410);
    expect(stepSize(frame)).toEqual({ x: 100, y: 100 });
  });

  it('follows the server quadrant rule', () => {
    expect(quadrantOf(1, 5)).toBe('quick_win');
    expect(quadrantOf(3, 3)).toBe('quick_win');
    expect(quadrantOf(4, 4)).toBe('big_bet');
    expect(quadrantOf(2, 2)).toBe('fill_in');
    expect(quadrantOf(5, 1)).toBe('money_pit');
  });
});

describe('timer', () => {
  it('counts down on the server clock', () => {
    const skew = 6_000; // server clock minus local clock: the server is 6 s ahead
    const timer = { running: true, endsAtMs: 70_000, remainingMs: 60_000 };
    expect(remainingMs(timer, 4_000, skew)).toBe(60_000);
    expect(remainingMs(timer, 34_000, skew)).toBe(30_000);
    expect(remainingMs(timer, 99_000, skew)).toBe(0);
    expect(remainingMs({ running: false, endsAtMs: null, remainingMs: 5_000 }, 0, skew)).toBe(5_000);
    expect(remainingMs({ running: false, endsAtMs: null, remainingMs: null }, 0, skew)).toBeNull();
  });

  it('formats remaining time rounding up', () => {
    expect(formatRemaining(0)).toBe('0:00');
    expect(formatRemaining(1)).toBe('0:01');
    expect(formatRemaining(61_000)).toBe('1:01');
    expect(formatRemaining(3_600_000)).toBe('1:00:00');
  });
});

describe('phases', () => {
  it('reads titles and order from the shared schema', () => {
    expect(phaseInfo('pain_points').title).toBe('Pain points');
    expect(phaseInfo('pain_points').commands).toEqual(['vote']);
    expect(adjacentPhase('lobby', 1)).toBe('discovery');
    expect(adjacentPhase('lobby', -1)).toBeNull();
    expect(adjacentPhase('action_plan', 1)).toBeNull();
    expect(reached('action_plan', 'solution_rating')).toBe(true);
    expect(reached('discovery', 'solution_rating')).toBe(false);
  });
});

describe('session view', () => {
  it('parses a board answer and tolerates junk', () => {
    const view = parseSession({
      board: { title: 'T', persona: 'P' },
      session: {
        phase: 'pain_points',
        locked: true,
        spotlight: 's1',
        votes_per_person: 3.0,
        timer: { running: true, ends_at_ms: 5.0, remaining_ms: 1.0 },
        revealed: { votes: true },
      },
      participants: { p1: { name: 'Ann', role: 'facilitator', color: '#123456' }, bad: 3 },
      votes: { c1: 2.0, c2: 'x' },
      ratings: { s1: { effort: 2, impact: 4.5, n: 2, quadrant: 'quick_win' }, s2: {} },
      progress: null,
    });
    expect(view.title).toBe('T');
    expect(view.phase).toBe('pain_points');
    expect(view.locked).toBe(true);
    expect(view.timer.endsAtMs).toBe(5);
    expect(view.revealed).toEqual({ votes: true, ratings: false });
    expect(view.participants).toHaveLength(1);
    expect(view.votes.get('c1')).toBe(2);
    expect(view.votes.has('c2')).toBe(false);
    expect(view.ratings.get('s1')?.impact).toBe(4.5);
    expect(view.ratings.has('s2')).toBe(false);
  });
});

describe('content edits', () => {
  it('adds, moves, reorders and deletes', () => {
    const doc = new Y.Doc();
    const a = addStage(doc, 'A');
    const b = addStage(doc, 'B');
    shiftStage(doc, b, -1);
    expect(readStages(doc).map((s) => s.name)).toEqual(['B', 'A']);
    const c1 = addCard(doc, 'touchpoint', a, 'one');
    const c2 = addCard(doc, 'touchpoint', a, 'two');
    // A new touchpoint has no channel and a new feeling no score until someone picks one.
    expect(readCards(doc).find((c) => c.id === c1)?.channel).toBeUndefined();
    const feeling = addCard(doc, 'feeling', a, 'sad');
    expect(readCards(doc).find((c) => c.id === feeling)?.emotion).toBeUndefined();
    deleteCard(doc, feeling);
    setCardField(doc, c1, 'moment_of_truth', true);
    expect(readCards(doc).find((c) => c.id === c1)?.moment_of_truth).toBe(true);
    let columns = readColumns(doc);
    const first = readCards(doc).find((c) => c.id === c2);
    if (first === undefined) throw new Error('missing');
    const up = keyboardMove(columns, first, 'up');
    expect(up?.stage).toBe(a);
    if (up !== null) moveCard(doc, c2, up.stage, up.pos);
    columns = readColumns(doc);
    expect(columns[1]?.cards.map((c) => c.id)).toEqual([c2, c1]);
    const card = readCards(doc).find((c) => c.id === c1);
    if (card === undefined) throw new Error('missing');
    const left = keyboardMove(columns, card, 'left');
    expect(left?.stage).toBe(b);
    expect(keyboardMove(columns, card, 'right')).toBeNull();
    const drop = dropMove(columns, card, a, c2);
    expect(drop.pos < (columns[1]?.cards[0]?.pos ?? '')).toBe(true);
    deleteStage(doc, a);
    expect(readColumns(doc).at(-1)?.stage).toBeNull();
  });

  it('edits text in place and replaces plain strings with Y.Text', () => {
    const doc = new Y.Doc();
    const stage = addStage(doc, 'S');
    const id = addCard(doc, 'note', stage, 'hello');
    cardText(doc, id)?.insert(5, ' world');
    expect(readCards(doc)[0]?.text).toBe('hello world');
    (doc.getMap('cards').get(id) as Y.Map<unknown>).set('text', 'plain');
    expect(cardText(doc, id)?.toString()).toBe('plain');
  });

  it('undoes only changes with the local origin', () => {
    const doc = new Y.Doc();
    const mine = { local: true };
    const undo = new Y.UndoManager([doc.getMap('stages'), doc.getMap('cards')], {
      trackedOrigins: new Set([mine]),
    });
    addStage(doc, 'Theirs');
    addStage(doc, 'Mine', mine);
    undo.undo();
    expect(readStages(doc).map((s) => s.name)).toEqual(['Theirs']);
  });
});

describe('presence', () => {
  it('reads peers and skips itself and malformed states', () => {
    const states = new Map<number, unknown>([
      [1, { user: { name: 'Me', role: 'participant', color: '#000' } }],
      [2, { user: { name: 'Bo', role: 'viewer', color: '#111' }, cursor: { x: 1, y: 2 } }],
      [3, { cursor: { x: 1, y: 2 } }],
      [4, { user: { name: 'Al', role: 'facilitator' }, editing: 'c1', cursor: 'x' }],
    ]);
    const peers = readPeers(states, 1);
    expect(peers.map((p) => [p.name, p.role, p.cursor, p.editing])).toEqual([
      ['Al', 'facilitator', null, 'c1'],
      ['Bo', 'viewer', { x: 1, y: 2 }, null],
    ]);
  });

  it('throttles to the latest value', () => {
    vi.useFakeTimers();
    const sent: number[] = [];
    const t = throttle(50, (v: number) => sent.push(v), () => Date.now());
    t.push(1);
    t.push(2);
    t.push(3);
    expect(sent).toEqual([1]);
    vi.advanceTimersByTime(60);
    expect(sent).toEqual([1, 3]);
    vi.useRealTimers();
  });

  it('coalesces requests into one run per scheduled time, and cancels', () => {
    const scheduled: Array<() => void> = [];
    let cancelled = 0;
    let runs = 0;
    const later = coalesce(
      () => (runs += 1),
      (callback) => {
        scheduled.push(callback);
        return () => (cancelled += 1);
      },
    );
    later.request();
    later.request();
    later.request();
    expect(scheduled).toHaveLength(1);
    scheduled[0]?.();
    expect(runs).toBe(1);
    later.request();
    expect(scheduled).toHaveLength(2);
    later.cancel();
    expect(cancelled).toBe(1);
    later.request();
    expect(scheduled).toHaveLength(3);
  });
});
