import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import {
  addCard,
  addNote,
  addStage,
  groupColumns,
  isIsoDate,
  moveCard,
  readCards,
  readColumns,
  readStages,
  setCardField,
} from './content';

function card(id: string, stage: string | null, pos: string) {
  return { id, kind: 'note', stage, pos, text: id, author: '' };
}

describe('groupColumns', () => {
  it('orders stages and their cards by (pos, id)', () => {
    const stages = [
      { id: 's2', name: 'Two', pos: 'b' },
      { id: 's1', name: 'One', pos: 'a' },
    ];
    const cards = [card('c3', 's1', 'b'), card('c2', 's1', 'a'), card('c1', 's1', 'a')];
    const columns = groupColumns(stages, cards);
    expect(columns.map((column) => column.stage?.id)).toEqual(['s1', 's2']);
    expect(columns[0]?.cards.map((c) => c.id)).toEqual(['c1', 'c2', 'c3']);
    expect(columns[1]?.cards).toEqual([]);
  });

  it('puts cards with a missing or unknown stage in a trailing Unplaced column', () => {
    const stages = [{ id: 's1', name: 'One', pos: 'a' }];
    const cards = [card('c1', 'gone', 'b'), card('c2', null, 'a'), card('c3', 's1', 'a')];
    const columns = groupColumns(stages, cards);
    expect(columns).toHaveLength(2);
    expect(columns[1]?.stage).toBeNull();
    expect(columns[1]?.cards.map((c) => c.id)).toEqual(['c2', 'c1']);
  });

  it('has no Unplaced column when every card is placed', () => {
    expect(groupColumns([{ id: 's', name: '', pos: '' }], [card('c', 's', '')])).toHaveLength(1);
  });
});

describe('reading the content document', () => {
  it('skips entries that are not maps and tolerates odd fields', () => {
    const doc = new Y.Doc();
    const stages = doc.getMap<unknown>('stages');
    const cards = doc.getMap<unknown>('cards');
    stages.set('bad', 'not a map');
    const stage = new Y.Map<unknown>();
    stages.set('s1', stage);
    stage.set('name', 42);
    cards.set('bad', 7);
    const odd = new Y.Map<unknown>();
    cards.set('c1', odd);
    odd.set('stage', 123);
    odd.set('text', 'plain');
    expect(readStages(doc)).toEqual([{ id: 's1', name: '', pos: '' }]);
    expect(readCards(doc)).toEqual([
      { id: 'c1', kind: 'note', stage: null, pos: '', text: 'plain', author: '' },
    ]);
    expect(readColumns(doc).map((column) => column.stage?.id ?? 'unplaced')).toEqual([
      's1',
      'unplaced',
    ]);
  });

  it('treats a root of the wrong type as empty', () => {
    const doc = new Y.Doc();
    doc.getArray('stages').push(['x']);
    expect(readStages(doc)).toEqual([]);
  });

  it('adds stages and notes in order', () => {
    const doc = new Y.Doc();
    const first = addStage(doc, 'Discover');
    const second = addStage(doc, 'Buy');
    addNote(doc, first, 'one');
    addNote(doc, first, 'two');
    const columns = readColumns(doc);
    expect(columns.map((column) => column.stage?.id)).toEqual([first, second]);
    expect(columns[0]?.cards.map((c) => c.text)).toEqual(['one', 'two']);
    const stored = doc.getMap<unknown>('cards').get(columns[0]?.cards[0]?.id ?? '');
    expect(stored).toBeInstanceOf(Y.Map);
    expect((stored as Y.Map<unknown>).get('text')).toBeInstanceOf(Y.Text);
  });

  it('appends a card after the last card of its own cell, whatever the other cells hold', () => {
    const doc = new Y.Doc();
    const stage = addStage(doc, 'Discover');
    const other = addStage(doc, 'Buy');
    const pain = addCard(doc, 'pain', stage, 'first pain');
    moveCard(doc, pain, stage, 'q');
    const elsewhere = addCard(doc, 'pain', other, 'far');
    moveCard(doc, elsewhere, other, 'z');
    addCard(doc, 'gain', stage, 'a gain');
    const next = addCard(doc, 'pain', stage, 'second pain');
    const pos = readCards(doc).find((card) => card.id === next)?.pos ?? '';
    expect(pos > 'q').toBe(true);
    expect(pos < 'z').toBe(true);
  });
});

describe('due dates', () => {
  it('accepts only real calendar dates written yyyy-mm-dd', () => {
    for (const good of ['2025-03-31', '2024-02-29', '2000-02-29', '0001-01-01']) {
      expect(isIsoDate(good), good).toBe(true);
    }
    for (const bad of [
      '2025-02-29',
      '1900-02-29',
      '2025-04-31',
      '2025-13-01',
      '2025-00-10',
      '2025-01-00',
      '0000-01-01',
      '2025-3-1',
      '25-03-01',
      '2025-03-01T00:00',
      ' 2025-03-01',
      '',
      20250301,
      null,
    ]) {
      expect(isIsoDate(bad), String(bad)).toBe(false);
    }
  });

  it('reads a well-formed due date and drops any other value', () => {
    const doc = new Y.Doc();
    const stage = addStage(doc, 'One');
    const good = addCard(doc, 'solution', stage, 'Fix it');
    const bad = addCard(doc, 'solution', stage, 'Fix that');
    const wrongType = addCard(doc, 'solution', stage, 'Fix more');
    setCardField(doc, good, 'due', '2025-06-30');
    setCardField(doc, bad, 'due', '30.06.2025');
    setCardField(doc, wrongType, 'due', 20250630);
    const byId = new Map(readCards(doc).map((c) => [c.id, c]));
    expect(byId.get(good)?.due).toBe('2025-06-30');
    expect(byId.get(bad)).not.toHaveProperty('due');
    expect(byId.get(wrongType)).not.toHaveProperty('due');
    setCardField(doc, good, 'due', null);
    expect(readCards(doc).find((c) => c.id === good)).not.toHaveProperty('due');
  });
});
