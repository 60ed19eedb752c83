// Typed, tolerant accessors for the board's content document (no DOM).
import * as Y from 'yjs';
import { byPosThenId, lastPos, posAfter } from './positions';

export interface Stage {
  readonly id: string;
  readonly name: string;
  readonly pos: string;
}

export interface Card {
  readonly id: string;
  readonly kind: string;
  /** The stage id as written; it may name no existing stage. */
  readonly stage: string | null;
  readonly pos: string;
  readonly text: string;
  readonly author: string;
}

export interface Column {
  /** null for the Unplaced column. */
  readonly stage: Stage | null;
  readonly cards: readonly Card[];
}

/** A root map, or undefined when another client defined that root as a different type. */
function rootMap(doc: Y.Doc, name: string): Y.Map<unknown> | undefined {
  try {
    return doc.getMap<unknown>(name);
  } catch {
    return undefined;
  }
}

/** Well-formed entries of a root map: only nested Y.Maps, anything else is skipped. */
function mapEntries(doc: Y.Doc, name: string): Array<[string, Y.Map<unknown>]> {
  const root = rootMap(doc, name);
  if (root === undefined) return [];
  const entries: Array<[string, Y.Map<unknown>]> = [];
  root.forEach((value, key) => {
    if (value instanceof Y.Map) entries.push([key, value as Y.Map<unknown>]);
  });
  return entries;
}

function stringField(map: Y.Map<unknown>, key: string): string {
  const value = map.get(key);
  return typeof value === 'string' ? value : '';
}

function textField(map: Y.Map<unknown>, key: string): string {
  const value = map.get(key);
  if (value instanceof Y.Text) return value.toString();
  return typeof value === 'string' ? value : '';
}

/** Stages in display order. */
export function readStages(doc: Y.Doc): Stage[] {
  return mapEntries(doc, 'stages')
    .map(([id, map]) => ({ id, name: stringField(map, 'name'), pos: stringField(map, 'pos') }))
    .sort(byPosThenId);
}

/** Cards in (pos, id) order, not yet grouped. */
export function readCards(doc: Y.Doc): Card[] {
  return mapEntries(doc, 'cards')
    .map(([id, map]) => {
      const stage = map.get('stage');
      return {
        id,
        kind: stringField(map, 'kind') || 'note',
        stage: typeof stage === 'string' ? stage : null,
        pos: stringField(map, 'pos'),
        text: textField(map, 'text'),
        author: stringField(map, 'author'),
      };
    })
    .sort(byPosThenId);
}

/**
 * One column per stage in (pos, id) order, cards in (pos, id) order under their stage,
 * then an Unplaced column (only when needed) for cards whose stage is missing or unknown.
 */
export function groupColumns(stages: readonly Stage[], cards: readonly Card[]): Column[] {
  const byStage = new Map<string, Card[]>();
  for (const stage of stages) byStage.set(stage.id, []);
  const unplaced: Card[] = [];
  for (const card of cards) {
    const bucket = card.stage === null ? undefined : byStage.get(card.stage);
    (bucket ?? unplaced).push(card);
  }
  const columns: Column[] = [...stages]
    .sort(byPosThenId)
    .map((stage) => ({ stage, cards: (byStage.get(stage.id) ?? []).sort(byPosThenId) }));
  if (unplaced.length > 0) columns.push({ stage: null, cards: unplaced.sort(byPosThenId) });
  return columns;
}

/** The board as columns, read fresh from the document. */
export function readColumns(doc: Y.Doc): Column[] {
  return groupColumns(readStages(doc), readCards(doc));
}

/** A random id that works outside secure contexts too (unlike crypto.randomUUID). */
export function newId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(8));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** Append a stage; returns its id. */
export function addStage(doc: Y.Doc, name: string): string {
  const id = newId();
  const pos = posAfter(lastPos(readStages(doc)));
  doc.transact(() => {
    const stage = new Y.Map<unknown>();
    doc.getMap<unknown>('stages').set(id, stage);
    stage.set('name', name);
    stage.set('pos', pos);
  });
  return id;
}

/** Append a note card to a stage; returns its id. */
export function addNote(doc: Y.Doc, stageId: string, text: string, author = ''): string {
  const id = newId();
  const pos = posAfter(lastPos(readCards(doc).filter((card) => card.stage === stageId)));
  doc.transact(() => {
    const card = new Y.Map<unknown>();
    doc.getMap<unknown>('cards').set(id, card);
    card.set('kind', 'note');
    card.set('stage', stageId);
    card.set('pos', pos);
    card.set('text', new Y.Text(text));
    card.set('author', author);
  });
  return id;
}

/** Call `listener` after every change to the document; returns the unsubscribe function. */
export function observeDoc(doc: Y.Doc, listener: () => void): () => void {
  doc.on('update', listener);
  return () => doc.off('update', listener);
}
