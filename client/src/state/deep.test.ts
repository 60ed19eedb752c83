import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { readCards, readColumns } from './content';

/** Nest Y.Maps `depth` levels deep under target.deep, without recursion. */
function nest(target: Y.Map<unknown>, depth: number): void {
  let current = target;
  for (let i = 0; i < depth; i += 1) {
    const child = new Y.Map<unknown>();
    current.set('deep', child);
    current = child;
  }
}

describe('reading cards next to a deeply nested value (issue #13, finding 3)', () => {
  it('reads card by card and field by field, so a 1,000-level value costs nothing else', () => {
    const doc = new Y.Doc();
    const stages = doc.getMap<Y.Map<unknown>>('stages');
    const cards = doc.getMap<unknown>('cards');
    doc.transact(() => {
      const stage = new Y.Map<unknown>();
      stages.set('s1', stage);
      stage.set('name', 'One');
      stage.set('pos', 'a');
      for (const id of ['ok1', 'ok2']) {
        const card = new Y.Map<unknown>();
        cards.set(id, card);
        card.set('kind', 'pain');
        card.set('stage', 's1');
        card.set('pos', id);
        card.set('text', new Y.Text(`honest ${id}`));
      }
      const poison = new Y.Map<unknown>();
      cards.set('poison', poison);
      poison.set('kind', 'note');
      poison.set('stage', 's1');
      poison.set('text', new Y.Text('poisoned'));
      nest(poison, 1000);
      nest(cards as Y.Map<unknown>, 1000);
    });
    // a copy through an update, as a browser receives it
    const copy = new Y.Doc();
    Y.applyUpdate(copy, Y.encodeStateAsUpdate(doc));
    const read = readCards(copy);
    expect(read.map((card) => card.id)).toEqual(expect.arrayContaining(['ok1', 'ok2', 'poison']));
    expect(read.find((card) => card.id === 'ok1')?.text).toBe('honest ok1');
    expect(read.find((card) => card.id === 'poison')?.text).toBe('poisoned');
    expect(readColumns(copy)[0]?.cards.map((card) => card.id).sort()).toEqual(['ok1', 'ok2', 'poison']);
  });
});
