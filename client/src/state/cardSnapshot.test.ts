import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { addCard, readCards, setCardField } from './content';
import { restoreCard, snapshotCard } from './cardSnapshot';
import { laneMove } from './moves';
import { groupColumns, readStages, addStage } from './content';

describe('card snapshots', () => {
  it('puts a deleted card back with its id, fields and text', () => {
    const doc = new Y.Doc();
    const stage = addStage(doc, 'Incident');
    const id = addCard(doc, 'touchpoint', stage, 'Phone call', 'Ann');
    setCardField(doc, id, 'moment_of_truth', true);
    const before = readCards(doc);
    const saved = snapshotCard(doc, id);
    expect(saved).not.toBeNull();
    doc.getMap('cards').delete(id);
    expect(readCards(doc)).toHaveLength(0);
    if (saved !== null) restoreCard(doc, saved);
    expect(readCards(doc)).toEqual(before);
  });

  it('is null for a card that is not there', () => {
    expect(snapshotCard(new Y.Doc(), 'nope')).toBeNull();
  });
});

describe('lane moves', () => {
  it('moves a card to the lane below, same stage, at the end', () => {
    const doc = new Y.Doc();
    const stage = addStage(doc, 'Incident');
    const thought = addCard(doc, 'thought', stage, 'Hmm');
    addCard(doc, 'feeling', stage, 'Sad');
    const columns = groupColumns(readStages(doc), readCards(doc));
    const card = readCards(doc).find((c) => c.id === thought);
    if (card === undefined) throw new Error('missing');
    const move = laneMove(columns, card, 1);
    expect(move?.kind).toBe('feeling');
    expect(move?.stage).toBe(stage);
    expect(laneMove(columns, { ...card, kind: 'action' }, -1)).toBeNull();
  });
});
