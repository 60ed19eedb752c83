// Typed, tolerant accessors for the board's content document (no DOM).
import * as Y from 'yjs';
import { isChannel, isStatus, laneOf, type ActionStatus, type CardKind, type Channel } from './lanes';
import { roundWhole } from './format';
import { byPosThenId, lastPos, posAfter, posAt, type Positioned } from './positions';

export interface Stage {
  readonly id: string;
  readonly name: string;
  readonly pos: string;
}

/** The kind-specific fields of a card; absent when missing or malformed. */
export interface CardFields {
  readonly emotion?: number;
  readonly channel?: Channel;
  readonly moment_of_truth?: boolean;
  readonly kpi?: string;
  readonly nps?: number;
  readonly department?: string;
  readonly pain?: string;
  readonly owner?: string;
  /** The action plan's due date, an ISO calendar date (yyyy-mm-dd). */
  readonly due?: string;
  readonly status?: ActionStatus;
  /** A solution's effect seen at the follow-up workshop (free text). */
  readonly effect?: string;
  /** An inspiration card's source, as written (a link only when http or https: links.ts). */
  readonly source?: string;
}

export interface Card extends CardFields {
  readonly id: string;
  readonly kind: string;
  /** The stage id as written; it may name no existing stage. */
  readonly stage: string | null;
  readonly pos: string;
  readonly text: string;
  readonly author: string;
  /** The participant id of the author (`author_id`), when the card says. */
  readonly authorId?: string;
  /** A draft of this person's in their private document: only they can see it (issue #29). */
  readonly draft?: boolean;
}

export interface Column {
  /** null for the Unplaced column. */
  readonly stage: Stage | null;
  readonly cards: readonly Card[];
}

/** A root map, or undefined when another client defined that root as a different type. */
export function rootMap(doc: Y.Doc, name: string): Y.Map<unknown> | undefined {
  try {
    return doc.getMap<unknown>(name);
  } catch {
    return undefined;
  }
}

/** Well-formed entries of a root map: only nested Y.Maps, anything else is skipped. */
export function mapEntriesOf(doc: Y.Doc, name: string): Array<[string, Y.Map<unknown>]> {
  return mapEntries(doc, name);
}

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

/** True for a real calendar date written yyyy-mm-dd (what `<input type="date">` gives). */
export function isIsoDate(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (match === null) return false;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1];
  return year >= 1 && days !== undefined && day >= 1 && day <= days;
}

function finite(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/** Only the well-formed kind-specific fields of a stored card. */
export function readFields(map: Y.Map<unknown>): CardFields {
  const fields: {
    -readonly [K in keyof CardFields]: CardFields[K];
  } = {};
  const emotion = finite(map.get('emotion'));
  if (emotion !== undefined) fields.emotion = Math.max(-3, Math.min(3, roundWhole(emotion)));
  const channel = map.get('channel');
  if (isChannel(channel)) fields.channel = channel;
  const moment = map.get('moment_of_truth');
  if (typeof moment === 'boolean') fields.moment_of_truth = moment;
  const kpi = map.get('kpi');
  if (typeof kpi === 'string') fields.kpi = kpi;
  const nps = finite(map.get('nps'));
  if (nps !== undefined) fields.nps = nps;
  for (const key of ['department', 'pain', 'owner', 'effect', 'source'] as const) {
    const value = map.get(key);
    if (typeof value === 'string') fields[key] = value;
  }
  const due = map.get('due');
  if (isIsoDate(due)) fields.due = due;
  const status = map.get('status');
  if (isStatus(status)) fields.status = status;
  return fields;
}

/** One stored stage. */
export function readStage(id: string, map: Y.Map<unknown>): Stage {
  return { id, name: stringField(map, 'name'), pos: stringField(map, 'pos') };
}

/** One stored card, its malformed fields left out or defaulted. */
export function readCard(id: string, map: Y.Map<unknown>): Card {
  const stage = map.get('stage');
  const authorId = stringField(map, 'author_id');
  return {
    id,
    kind: stringField(map, 'kind') || 'note',
    stage: typeof stage === 'string' ? stage : null,
    pos: stringField(map, 'pos'),
    text: textField(map, 'text'),
    author: stringField(map, 'author'),
    ...(authorId === '' ? {} : { authorId }),
    ...readFields(map),
  };
}

/** Stages in display order. */
export function readStages(doc: Y.Doc): Stage[] {
  return mapEntries(doc, 'stages')
    .map(([id, map]) => readStage(id, map))
    .sort(byPosThenId);
}

/** Cards in (pos, id) order, not yet grouped. */
export function readCards(doc: Y.Doc): Card[] {
  return mapEntries(doc, 'cards')
    .map(([id, map]) => readCard(id, map))
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

/** The cards of one cell (stage × lane) in order; stage null is the Unplaced column. */
export function cellCards(column: Column, kind: CardKind): Card[] {
  return column.cards.filter((card) => laneOf(card.kind) === kind);
}

/** A random id that works outside secure contexts too (unlike crypto.randomUUID). */
export function newId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(8));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

function cardMap(doc: Y.Doc, id: string): Y.Map<unknown> | undefined {
  const value = rootMap(doc, 'cards')?.get(id);
  return value instanceof Y.Map ? (value as Y.Map<unknown>) : undefined;
}

function stageMap(doc: Y.Doc, id: string): Y.Map<unknown> | undefined {
  const value = rootMap(doc, 'stages')?.get(id);
  return value instanceof Y.Map ? (value as Y.Map<unknown>) : undefined;
}

/** Append a stage; returns its id. */
export function addStage(doc: Y.Doc, name: string, origin: unknown = null): string {
  const id = newId();
  const pos = posAfter(lastPos(readStages(doc)));
  doc.transact(() => {
    const stage = new Y.Map<unknown>();
    doc.getMap<unknown>('stages').set(id, stage);
    stage.set('name', name);
    stage.set('pos', pos);
  }, origin);
  return id;
}

export function renameStage(doc: Y.Doc, id: string, name: string, origin: unknown = null): void {
  const stage = stageMap(doc, id);
  if (stage !== undefined && stringField(stage, 'name') !== name) {
    doc.transact(() => stage.set('name', name), origin);
  }
}

/** Move a stage one place left (-1) or right (+1). */
export function shiftStage(doc: Y.Doc, id: string, step: -1 | 1, origin: unknown = null): void {
  const stages = readStages(doc);
  const index = stages.findIndex((stage) => stage.id === id);
  const target = index + step;
  const map = stageMap(doc, id);
  if (index < 0 || target < 0 || target >= stages.length || map === undefined) return;
  const others = stages.filter((stage) => stage.id !== id);
  const pos = posAt(others, target);
  doc.transact(() => map.set('pos', pos), origin);
}

/** Delete a stage; its cards move to the Unplaced column (their stage no longer exists). */
export function deleteStage(doc: Y.Doc, id: string, origin: unknown = null): void {
  doc.transact(() => rootMap(doc, 'stages')?.delete(id), origin);
}

/**
 * Put a deleted stage back with its id, name and place: its cards, which kept the stage's id
 * while they waited under "Unplaced", return to it.
 */
export function restoreStage(doc: Y.Doc, saved: Stage, origin: unknown = null): void {
  if (stageMap(doc, saved.id) !== undefined) return;
  doc.transact(() => {
    const stage = new Y.Map<unknown>();
    doc.getMap<unknown>('stages').set(saved.id, stage);
    stage.set('name', saved.name);
    stage.set('pos', saved.pos);
  }, origin);
}

/**
 * Append a card to a cell; returns its id. `author` is the display name, `authorId` the
 * participant id (written as `author_id` when given), which lets the author change it later.
 */
export function addCard(
  doc: Y.Doc,
  kind: CardKind,
  stageId: string,
  text: string,
  author = '',
  origin: unknown = null,
  authorId = '',
): string {
  const id = newId();
  // Only the cell's positions: reading every card (and its text) would cost O(board).
  const siblings: Positioned[] = [];
  for (const [cardId, map] of mapEntries(doc, 'cards')) {
    if (map.get('stage') === stageId && laneOf(stringField(map, 'kind') || 'note') === kind) {
      siblings.push({ id: cardId, pos: stringField(map, 'pos') });
    }
  }
  const pos = posAfter(lastPos(siblings));
  doc.transact(() => {
    const card = new Y.Map<unknown>();
    doc.getMap<unknown>('cards').set(id, card);
    card.set('kind', kind);
    card.set('stage', stageId);
    card.set('pos', pos);
    card.set('text', new Y.Text(text));
    card.set('author', author);
    if (authorId !== '') card.set('author_id', authorId);
    // No channel and no score until someone picks one: a default nobody chose would become
    // data (the curve's median, the CSV, the report).
    if (kind === 'touchpoint') card.set('moment_of_truth', false);
  }, origin);
  return id;
}

/** Append a note card to a stage; returns its id. */
export function addNote(doc: Y.Doc, stageId: string, text: string, author = ''): string {
  return addCard(doc, 'note', stageId, text, author);
}

export type FieldValue = string | number | boolean | null;

/** Set one kind-specific field of a card (null deletes it). */
export function setCardField(
  doc: Y.Doc,
  id: string,
  key: keyof CardFields,
  value: FieldValue,
  origin: unknown = null,
): void {
  const card = cardMap(doc, id);
  if (card === undefined) return;
  doc.transact(() => {
    if (value === null) card.delete(key);
    else card.set(key, value);
  }, origin);
}

/**
 * Move a card: stage and pos (and its kind, when it changes lane) in one transaction, a field
 * change (never delete+reinsert).
 */
export function moveCard(
  doc: Y.Doc,
  id: string,
  stageId: string,
  pos: string,
  origin: unknown = null,
  kind?: CardKind,
): void {
  const card = cardMap(doc, id);
  if (card === undefined) return;
  doc.transact(() => {
    card.set('stage', stageId);
    card.set('pos', pos);
    if (kind !== undefined) card.set('kind', kind);
  }, origin);
}

export function deleteCard(doc: Y.Doc, id: string, origin: unknown = null): void {
  doc.transact(() => rootMap(doc, 'cards')?.delete(id), origin);
}

/**
 * The card's Y.Text, created (replacing a plain string, keeping its value) when the stored
 * value is not one, so it can be edited together.
 */
export function cardText(doc: Y.Doc, id: string, origin: unknown = null): Y.Text | undefined {
  const card = cardMap(doc, id);
  if (card === undefined) return undefined;
  const value = card.get('text');
  if (value instanceof Y.Text) return value;
  const text = new Y.Text(typeof value === 'string' ? value : '');
  doc.transact(() => card.set('text', text), origin);
  return text;
}

/** Call `listener` after every change to the document; returns the unsubscribe function. */
export function observeDoc(doc: Y.Doc, listener: () => void): () => void {
  doc.on('update', listener);
  return () => doc.off('update', listener);
}
