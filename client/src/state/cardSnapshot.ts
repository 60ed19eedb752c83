// A deleted card's fields, kept so "Undo" in the toast can put it back (no DOM).
import * as Y from 'yjs';

export interface CardSnapshot {
  readonly id: string;
  readonly fields: ReadonlyMap<string, unknown>;
  readonly text: string;
}

/** Every field of a card as plain values (its text as a string), or null when it is gone. */
export function snapshotCard(doc: Y.Doc, id: string): CardSnapshot | null {
  let map: unknown;
  try {
    map = doc.getMap<unknown>('cards').get(id);
  } catch {
    return null;
  }
  if (!(map instanceof Y.Map)) return null;
  const fields = new Map<string, unknown>();
  let text = '';
  (map as Y.Map<unknown>).forEach((value, key) => {
    if (key === 'text') text = value instanceof Y.Text ? value.toString() : String(value ?? '');
    else if (!(value instanceof Y.AbstractType)) fields.set(key, value);
  });
  return { id, fields, text };
}

/** Put a snapshot back under its own id, in one transaction. */
export function restoreCard(doc: Y.Doc, snapshot: CardSnapshot, origin: unknown = null): void {
  doc.transact(() => {
    const card = new Y.Map<unknown>();
    doc.getMap<unknown>('cards').set(snapshot.id, card);
    for (const [key, value] of snapshot.fields) card.set(key, value);
    card.set('text', new Y.Text(snapshot.text));
  }, origin);
}
