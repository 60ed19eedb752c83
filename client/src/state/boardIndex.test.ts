import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { BoardIndex, type IndexChange } from './boardIndex';
import {
  addCard,
  addStage,
  cardText,
  cellCards,
  deleteCard,
  deleteStage,
  moveCard,
  readCards,
  readColumns,
  readStages,
  renameStage,
  setCardField,
} from './content';
import { LANES, type CardKind } from './lanes';

/** Everything the index shows must equal a fresh full read of the document. */
function expectMatchesFullRead(index: BoardIndex, doc: Y.Doc): void {
  const columns = readColumns(doc);
  expect(index.stages).toEqual(readStages(doc));
  expect(index.cards).toEqual(readCards(doc));
  expect(index.columns).toEqual(columns);
  for (const column of columns) {
    for (const lane of LANES) {
      expect(index.cell(column.stage?.id ?? null, lane.kind)).toEqual(cellCards(column, lane.kind));
    }
  }
  expect(index.pains).toEqual(readCards(doc).filter((card) => card.kind === 'pain'));
}

function board(): { doc: Y.Doc; s1: string; s2: string } {
  const doc = new Y.Doc();
  const s1 = addStage(doc, 'Report');
  const s2 = addStage(doc, 'Repair');
  return { doc, s1, s2 };
}

function changes(index: BoardIndex): IndexChange[] {
  const seen: IndexChange[] = [];
  index.subscribe((change) => seen.push(change));
  return seen;
}

describe('BoardIndex', () => {
  it('reads the board as it is when created', () => {
    const { doc, s1, s2 } = board();
    addCard(doc, 'pain', s1, 'Waits on hold');
    addCard(doc, 'action', s2, 'Books a garage');
    const index = new BoardIndex(doc);
    expectMatchesFullRead(index, doc);
    expect(index.cell(s1, 'pain').map((card) => card.text)).toEqual(['Waits on hold']);
  });

  it('re-reads only the edited card and keeps every other card, cell and column', () => {
    const { doc, s1, s2 } = board();
    const edited = addCard(doc, 'pain', s1, 'Waits');
    const sibling = addCard(doc, 'pain', s1, 'Repeats the story');
    addCard(doc, 'action', s1, 'Calls');
    addCard(doc, 'action', s2, 'Books');
    const index = new BoardIndex(doc);
    const seen = changes(index);
    const before = {
      cards: index.cards,
      painCell: index.cell(s1, 'pain'),
      actionCell: index.cell(s1, 'action'),
      otherColumn: index.columns[1],
      stages: index.stages,
      sibling: index.card(sibling),
    };
    cardText(doc, edited)?.insert(5, ' on hold');
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ cardsRead: 1, stagesRead: 0, stages: false, cards: true });
    expect(index.card(edited)?.text).toBe('Waits on hold');
    expect(index.cards).not.toBe(before.cards);
    expect(index.cell(s1, 'pain')).not.toBe(before.painCell);
    expect(index.card(sibling)).toBe(before.sibling);
    expect(index.cell(s1, 'pain')[1]).toBe(before.sibling);
    expect(index.cell(s1, 'action')).toBe(before.actionCell);
    expect(index.columns[1]).toBe(before.otherColumn);
    expect(index.stages).toBe(before.stages);
    expectMatchesFullRead(index, doc);
  });

  it('keeps the card when a field is set to the value it already has', () => {
    const { doc, s1 } = board();
    const id = addCard(doc, 'feeling', s1, 'Anxious');
    setCardField(doc, id, 'emotion', -1);
    const index = new BoardIndex(doc);
    const card = index.card(id);
    const cards = index.cards;
    const columns = index.columns;
    setCardField(doc, id, 'emotion', -1);
    expect(index.card(id)).toBe(card);
    expect(index.cards).toBe(cards);
    expect(index.columns).toBe(columns);
  });

  it('moves a card between stages and lanes and re-sorts only the cells it left and joined', () => {
    const { doc, s1, s2 } = board();
    const a = addCard(doc, 'pain', s1, 'a');
    const b = addCard(doc, 'pain', s1, 'b');
    const gain = addCard(doc, 'gain', s1, 'g');
    const index = new BoardIndex(doc);
    const gainCell = index.cell(s1, 'gain');
    moveCard(doc, a, s2, 'a');
    expect(index.cell(s1, 'pain').map((card) => card.id)).toEqual([b]);
    expect(index.cell(s2, 'pain').map((card) => card.id)).toEqual([a]);
    expect(index.cell(s1, 'gain')).toBe(gainCell);
    // Within a cell: a new position re-orders it.
    moveCard(doc, a, s1, '0');
    expect(index.cell(s1, 'pain').map((card) => card.id)).toEqual([a, b]);
    // A kind change moves the card to another lane.
    doc.transact(() => (doc.getMap<Y.Map<unknown>>('cards').get(gain) as Y.Map<unknown>).set('kind', 'pain'));
    expect(index.cell(s1, 'gain')).toEqual([]);
    expect(index.cell(s1, 'pain').map((card) => card.id)).toContain(gain);
    expectMatchesFullRead(index, doc);
  });

  it('drops deleted cards', () => {
    const { doc, s1 } = board();
    const a = addCard(doc, 'note', s1, 'a');
    addCard(doc, 'note', s1, 'b');
    const index = new BoardIndex(doc);
    deleteCard(doc, a);
    expect(index.card(a)).toBeUndefined();
    expect(index.cards.map((card) => card.text)).toEqual(['b']);
    expectMatchesFullRead(index, doc);
  });

  it('shows the cards of a deleted stage as Unplaced, and places them again if it comes back', () => {
    const { doc, s1, s2 } = board();
    const a = addCard(doc, 'action', s1, 'a');
    addCard(doc, 'action', s2, 'b');
    const index = new BoardIndex(doc);
    const cardA = index.card(a);
    const other = index.columns[1];
    const stage = doc.getMap<unknown>('stages').get(s1) as Y.Map<unknown>;
    const json = stage.toJSON() as { name: string; pos: string };
    deleteStage(doc, s1);
    expect(index.columns.map((column) => column.stage?.id ?? null)).toEqual([s2, null]);
    expect(index.cell(null, 'action').map((card) => card.id)).toEqual([a]);
    expect(index.cell(s1, 'action')).toEqual([]);
    expect(index.card(a)).toBe(cardA);
    expect(index.columns[0]).toBe(other);
    expectMatchesFullRead(index, doc);
    // The same id again (an undo does this): the card is placed again.
    doc.transact(() => doc.getMap<unknown>('stages').set(s1, new Y.Map(Object.entries(json))));
    expect(index.cell(s1, 'action').map((card) => card.id)).toEqual([a]);
    expect(index.columns.map((column) => column.stage?.id ?? null)).toEqual([s1, s2]);
    expectMatchesFullRead(index, doc);
  });

  it('renames a stage without touching its cards', () => {
    const { doc, s1 } = board();
    addCard(doc, 'action', s1, 'a');
    const index = new BoardIndex(doc);
    const cards = index.columns[0]?.cards;
    const cell = index.cell(s1, 'action');
    renameStage(doc, s1, 'Reported');
    expect(index.columns[0]?.stage?.name).toBe('Reported');
    expect(index.columns[0]?.cards).toBe(cards);
    expect(index.cell(s1, 'action')).toBe(cell);
    expectMatchesFullRead(index, doc);
  });

  it('tolerates malformed entries, and an entry that becomes well-formed later', () => {
    const { doc, s1 } = board();
    const index = new BoardIndex(doc);
    const cards = doc.getMap<unknown>('cards');
    const stages = doc.getMap<unknown>('stages');
    doc.transact(() => {
      cards.set('junk', 42);
      cards.set('text-only', 'hello');
      stages.set('bad-stage', [1, 2]);
      const odd = new Y.Map<unknown>();
      cards.set('odd', odd);
      odd.set('stage', 7);
      odd.set('kind', 'sticker');
      odd.set('text', 'plain string');
      odd.set('emotion', 'very sad');
    });
    expect(index.card('junk')).toBeUndefined();
    expect(index.cell(null, 'note').map((card) => card.id)).toEqual(['odd']);
    expectMatchesFullRead(index, doc);
    doc.transact(() => {
      const fixed = new Y.Map<unknown>();
      cards.set('junk', fixed);
      fixed.set('kind', 'gain');
      fixed.set('stage', s1);
    });
    expect(index.cell(s1, 'gain').map((card) => card.id)).toEqual(['junk']);
    expectMatchesFullRead(index, doc);
  });

  it('treats roots of the wrong type as an empty board', () => {
    const doc = new Y.Doc();
    doc.getArray('cards');
    doc.getText('stages');
    const index = new BoardIndex(doc);
    expect(index.cards).toEqual([]);
    expect(index.columns).toEqual([]);
    expect(index.cell(null, 'note')).toEqual([]);
  });

  it('follows remote updates applied with Y.applyUpdate, one change per update', () => {
    const remote = new Y.Doc();
    const s1 = addStage(remote, 'Report');
    const id = addCard(remote, 'thought', s1, 'Is this covered?');
    const local = new Y.Doc();
    const index = new BoardIndex(local);
    const seen = changes(index);
    Y.applyUpdate(local, Y.encodeStateAsUpdate(remote));
    expect(seen).toHaveLength(1);
    expect(index.cell(s1, 'thought').map((card) => card.text)).toEqual(['Is this covered?']);
    const untouched = addCard(remote, 'thought', s1, 'Later');
    Y.applyUpdate(local, Y.encodeStateAsUpdate(remote, Y.encodeStateVector(local)));
    const kept = index.card(untouched);
    const vector = Y.encodeStateVector(local);
    cardText(remote, id)?.insert(0, 'Hm. ');
    Y.applyUpdate(local, Y.encodeStateAsUpdate(remote, vector));
    expect(seen.at(-1)).toMatchObject({ cardsRead: 1, stagesRead: 0 });
    expect(index.card(id)?.text).toBe('Hm. Is this covered?');
    expect(index.card(untouched)).toBe(kept);
    expectMatchesFullRead(index, local);
  });

  it('stops following the document once destroyed', () => {
    const { doc, s1 } = board();
    const index = new BoardIndex(doc);
    const seen = changes(index);
    index.destroy();
    addCard(doc, 'note', s1, 'after');
    expect(seen).toEqual([]);
    expect(index.cards).toEqual([]);
  });
});

/** A small deterministic generator (mulberry32). */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('BoardIndex against a full read, after random operations', () => {
  const kinds: CardKind[] = LANES.map((lane) => lane.kind);

  for (const seed of [1, 2, 3, 4, 5, 6, 7, 8]) {
    it(`agrees after 150 operations on two replicas (seed ${seed})`, () => {
      const next = random(seed);
      const pick = <T>(items: readonly T[]): T | undefined => items[Math.floor(next() * items.length)];
      const a = new Y.Doc();
      const b = new Y.Doc();
      const index = new BoardIndex(b);
      const stages: string[] = [];
      const cards: string[] = [];
      const sync = (): void => {
        Y.applyUpdate(b, Y.encodeStateAsUpdate(a, Y.encodeStateVector(b)));
        Y.applyUpdate(a, Y.encodeStateAsUpdate(b, Y.encodeStateVector(a)));
      };
      for (let step = 0; step < 150; step += 1) {
        // Most operations happen on the other replica and arrive as updates; some locally.
        const doc = next() < 0.7 ? a : b;
        const roll = next();
        const stage = pick(stages);
        const card = pick(cards);
        if (roll < 0.1 || stage === undefined) {
          stages.push(addStage(doc, `Stage ${step}`));
        } else if (roll < 0.35) {
          cards.push(addCard(doc, pick(kinds) ?? 'note', stage, `Card ${step}`));
        } else if (roll < 0.55 && card !== undefined) {
          const text = cardText(doc, card);
          if (text !== undefined) doc.transact(() => text.insert(Math.floor(next() * (text.length + 1)), 'x'));
        } else if (roll < 0.65 && card !== undefined) {
          moveCard(doc, card, pick(stages) ?? stage, String(Math.floor(next() * 100)));
        } else if (roll < 0.72 && card !== undefined) {
          setCardField(doc, card, 'emotion', Math.floor(next() * 7) - 3);
        } else if (roll < 0.8 && card !== undefined) {
          deleteCard(doc, card);
        } else if (roll < 0.85) {
          deleteStage(doc, stage);
        } else if (roll < 0.9) {
          renameStage(doc, stage, `Renamed ${step}`);
        } else if (roll < 0.94 && card !== undefined) {
          // Malformed writes another client might make.
          doc.transact(() => {
            const map = doc.getMap<unknown>('cards').get(card);
            if (map instanceof Y.Map) map.set(next() < 0.5 ? 'stage' : 'kind', next() < 0.5 ? 3 : 'nonsense');
            else doc.getMap<unknown>('cards').set(card, 'garbage');
          });
        } else {
          // Several changes in one transaction.
          doc.transact(() => {
            if (card !== undefined) moveCard(doc, card, stage, 'm');
            deleteStage(doc, stage);
            cards.push(addCard(doc, 'pain', pick(stages) ?? stage, 'batched'));
          });
        }
        if (next() < 0.5) sync();
        if (step % 10 === 0) expectMatchesFullRead(index, b);
      }
      sync();
      expectMatchesFullRead(index, b);
    });
  }
});
