import { describe, expect, it } from 'vitest';
import type { Card } from './content';
import { rankPains, solutionsInOrder } from './ranking';

const stages = [
  { id: 'late', name: 'Repair', pos: 'b' },
  { id: 'early', name: 'Incident', pos: 'a' },
];

function card(id: string, kind: string, stage: string | null, pos: string): Card {
  return { id, kind, stage, pos, text: id, author: '' };
}

describe('rankPains', () => {
  it('orders pains by votes, ties in journey order, and names their stage', () => {
    const cards = [
      card('p1', 'pain', 'late', 'a'),
      card('p2', 'pain', 'early', 'b'),
      card('p3', 'pain', 'early', 'a'),
      card('p4', 'pain', 'gone', 'a'),
      card('s1', 'solution', 'early', 'a'),
    ];
    const votes = new Map([
      ['p1', 3],
      ['p4', 3],
      ['s1', 9],
    ]);
    const ranked = rankPains(cards, stages, votes);
    expect(ranked.map((r) => [r.card.id, r.votes, r.stageName])).toEqual([
      ['p1', 3, 'Repair'],
      ['p4', 3, null],
      ['p3', 0, 'Incident'],
      ['p2', 0, 'Incident'],
    ]);
  });
});

describe('solutionsInOrder', () => {
  it('lists solutions stage by stage, unplaced last', () => {
    const cards = [
      card('s1', 'solution', null, 'a'),
      card('s2', 'solution', 'late', 'a'),
      card('s3', 'solution', 'early', 'z'),
      card('p1', 'pain', 'early', 'a'),
    ];
    expect(solutionsInOrder(cards, stages).map((r) => r.card.id)).toEqual(['s3', 's2', 's1']);
  });
});
