// The board's stages, cards, columns and cells, kept up to date from the content document's
// changes: a transaction re-reads only the cards and stages it touched, and everything it did
// not touch keeps its identity (the same Card objects, the same cell arrays), so a keyed view
// can skip it. Pure: no DOM, no framework.
import * as Y from 'yjs';
import { readCard, readStage, rootMap, type Card, type Column, type Stage } from './content';
import { LANES, laneOf, type CardKind } from './lanes';
import { byPosThenId } from './positions';

/** A column's key: a stage id, or null for the Unplaced column. */
type Place = string | null;

const NO_CARDS: readonly Card[] = Object.freeze([]);

/** What one transaction changed, for a view to decide what to refresh. */
export interface IndexChange {
  /** Cards read again (their number, not the cards that turned out to differ). */
  readonly cardsRead: number;
  readonly stagesRead: number;
  readonly stages: boolean;
  readonly cards: boolean;
  readonly columns: boolean;
}

function sameCard(a: Card, b: Card): boolean {
  const keys = Object.keys(a) as Array<keyof Card>;
  if (keys.length !== Object.keys(b).length) return false;
  return keys.every((key) => a[key] === b[key]);
}

/** The key of the changed entry of a root map that an observeDeep event stands for. */
function changedKeys(root: Y.Map<unknown>, event: Y.YEvent<Y.AbstractType<unknown>>): string[] {
  if (event.target === root) return [...event.keys.keys()];
  const first = event.path[0];
  return typeof first === 'string' ? [first] : [];
}

export class BoardIndex {
  readonly #cardsRoot: Y.Map<unknown> | undefined;
  readonly #stagesRoot: Y.Map<unknown> | undefined;

  readonly #cardById = new Map<string, Card>();
  readonly #stageById = new Map<string, Stage>();
  /** Card ids by the stage id they name (known or not), to re-place them when it comes or goes. */
  readonly #byStageRef = new Map<string, Set<string>>();
  /** The column each card is shown in. */
  readonly #placeOf = new Map<string, Place>();
  /** Card ids per cell, and the cell's cards in order (rebuilt only when a member changed). */
  readonly #members = new Map<Place, Map<CardKind, Set<string>>>();
  readonly #cells = new Map<Place, Map<CardKind, readonly Card[]>>();

  #stages: Stage[] = [];
  #cards: Card[] = [];
  /** Where each card sits in #cards; rebuilt lazily after a re-sort. */
  #cardIndex: Map<string, number> | null = null;
  #columns: Column[] = [];
  #pains: readonly Card[] = NO_CARDS;

  /** Entries that changed in the current transaction (filled by the deep observers). */
  readonly #pendingCards = new Set<string>();
  readonly #pendingStages = new Set<string>();
  #listeners = new Set<(change: IndexChange) => void>();
  #stops: Array<() => void> = [];

  constructor(doc: Y.Doc) {
    this.#cardsRoot = rootMap(doc, 'cards');
    this.#stagesRoot = rootMap(doc, 'stages');
    this.#stagesRoot?.forEach((_, id) => this.#pendingStages.add(id));
    this.#cardsRoot?.forEach((_, id) => this.#pendingCards.add(id));
    this.#apply();
    this.#watch(this.#cardsRoot, this.#pendingCards);
    this.#watch(this.#stagesRoot, this.#pendingStages);
    const after = (): void => {
      if (this.#pendingCards.size === 0 && this.#pendingStages.size === 0) return;
      const change = this.#apply();
      for (const listener of this.#listeners) listener(change);
    };
    doc.on('afterTransaction', after);
    this.#stops.push(() => doc.off('afterTransaction', after));
  }

  /** Stages in (pos, id) order. A new array only when a stage changed. */
  get stages(): Stage[] {
    return this.#stages;
  }

  /** Every card in (pos, id) order. A new array when any card changed. */
  get cards(): Card[] {
    return this.#cards;
  }

  /** As content.groupColumns: one column per stage, then Unplaced when it has cards. */
  get columns(): Column[] {
    return this.#columns;
  }

  /** The pain cards in (pos, id) order; the same array while none of them changed. */
  get pains(): readonly Card[] {
    return this.#pains;
  }

  /** One card by id (undefined when absent or malformed). */
  card(id: string): Card | undefined {
    return this.#cardById.get(id);
  }

  /**
   * The cards of one cell in (pos, id) order; stage null is the Unplaced column (cards whose
   * stage is missing or unknown). The same array while that cell's cards are unchanged.
   */
  cell(stageId: string | null, kind: CardKind): readonly Card[] {
    return this.#cells.get(stageId)?.get(kind) ?? NO_CARDS;
  }

  /** Call `listener` after each transaction that touched stages or cards. */
  subscribe(listener: (change: IndexChange) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  destroy(): void {
    for (const stop of this.#stops) stop();
    this.#stops = [];
    this.#listeners.clear();
  }

  #watch(root: Y.Map<unknown> | undefined, pending: Set<string>): void {
    if (root === undefined) return;
    const observer = (events: Array<Y.YEvent<Y.AbstractType<unknown>>>): void => {
      for (const event of events) for (const key of changedKeys(root, event)) pending.add(key);
    };
    root.observeDeep(observer);
    this.#stops.push(() => root.unobserveDeep(observer));
  }

  #placeFor(card: Card): Place {
    return card.stage !== null && this.#stageById.has(card.stage) ? card.stage : null;
  }

  #apply(): IndexChange {
    const pendingCards = new Set(this.#pendingCards);
    const pendingStages = new Set(this.#pendingStages);
    this.#pendingCards.clear();
    this.#pendingStages.clear();

    // Stages first: a stage that comes or goes moves the cards that name it.
    let stagesChanged = false;
    const recheck = new Set(pendingCards);
    for (const id of pendingStages) {
      const value = this.#stagesRoot?.get(id);
      const next = value instanceof Y.Map ? readStage(id, value as Y.Map<unknown>) : undefined;
      const prev = this.#stageById.get(id);
      if (next === undefined) {
        if (prev === undefined) continue;
        this.#stageById.delete(id);
      } else if (prev === undefined) {
        this.#stageById.set(id, next);
      } else {
        if (prev.name !== next.name || prev.pos !== next.pos) {
          this.#stageById.set(id, next);
          stagesChanged = true;
        }
        continue;
      }
      stagesChanged = true;
      for (const cardId of this.#byStageRef.get(id) ?? []) recheck.add(cardId);
    }

    const dirty = new Map<Place, Set<CardKind>>();
    const markDirty = (place: Place, kind: CardKind): void => {
      let kinds = dirty.get(place);
      if (kinds === undefined) dirty.set(place, (kinds = new Set()));
      kinds.add(kind);
    };
    const replaced: Card[] = [];
    let reordered = false;
    let painsChanged = false;
    for (const id of recheck) {
      const prev = this.#cardById.get(id);
      let next = prev;
      if (pendingCards.has(id)) {
        const value = this.#cardsRoot?.get(id);
        next = value instanceof Y.Map ? readCard(id, value as Y.Map<unknown>) : undefined;
        if (next !== undefined && prev !== undefined && sameCard(prev, next)) next = prev;
      }
      const prevPlace = this.#placeOf.get(id);
      const nextPlace = next === undefined ? undefined : this.#placeFor(next);
      if (next === prev && nextPlace === prevPlace) continue;
      if (prev !== undefined && prevPlace !== undefined) {
        const kind = laneOf(prev.kind);
        this.#members.get(prevPlace)?.get(kind)?.delete(id);
        markDirty(prevPlace, kind);
      }
      if (next !== undefined && nextPlace !== undefined) {
        const kind = laneOf(next.kind);
        let kinds = this.#members.get(nextPlace);
        if (kinds === undefined) this.#members.set(nextPlace, (kinds = new Map()));
        let ids = kinds.get(kind);
        if (ids === undefined) kinds.set(kind, (ids = new Set()));
        ids.add(id);
        markDirty(nextPlace, kind);
        this.#placeOf.set(id, nextPlace);
      } else {
        this.#placeOf.delete(id);
      }
      if (next === prev) continue;
      if (laneOf(prev?.kind ?? '') === 'pain' || laneOf(next?.kind ?? '') === 'pain') {
        painsChanged = true;
      }
      if (prev?.stage !== next?.stage) {
        if (prev?.stage != null) this.#byStageRef.get(prev.stage)?.delete(id);
        if (next?.stage != null) {
          let ids = this.#byStageRef.get(next.stage);
          if (ids === undefined) this.#byStageRef.set(next.stage, (ids = new Set()));
          ids.add(id);
        }
      }
      if (next === undefined) this.#cardById.delete(id);
      else this.#cardById.set(id, next);
      if (prev === undefined || next === undefined || prev.pos !== next.pos) reordered = true;
      else replaced.push(next);
    }

    for (const [place, kinds] of dirty) {
      for (const kind of kinds) this.#rebuildCell(place, kind);
    }
    const cardsChanged = reordered || replaced.length > 0;
    if (reordered) {
      this.#cards = [...this.#cardById.values()].sort(byPosThenId);
      this.#cardIndex = null;
    } else if (replaced.length > 0) {
      const index = (this.#cardIndex ??= new Map(this.#cards.map((card, at) => [card.id, at])));
      const cards = this.#cards.slice();
      for (const card of replaced) {
        const at = index.get(card.id);
        if (at !== undefined) cards[at] = card;
      }
      this.#cards = cards;
    }
    if (painsChanged) this.#pains = this.#cards.filter((card) => laneOf(card.kind) === 'pain');
    if (stagesChanged) this.#stages = [...this.#stageById.values()].sort(byPosThenId);
    const columnsChanged = stagesChanged || dirty.size > 0;
    if (columnsChanged) this.#rebuildColumns(dirty);
    return {
      cardsRead: pendingCards.size,
      stagesRead: pendingStages.size,
      stages: stagesChanged,
      cards: cardsChanged,
      columns: columnsChanged,
    };
  }

  #rebuildCell(place: Place, kind: CardKind): void {
    const ids = this.#members.get(place)?.get(kind);
    const cells = this.#cells.get(place);
    if (ids === undefined || ids.size === 0) {
      cells?.delete(kind);
      this.#members.get(place)?.delete(kind);
      if (cells?.size === 0) this.#cells.delete(place);
      if (this.#members.get(place)?.size === 0) this.#members.delete(place);
      return;
    }
    const cards: Card[] = [];
    for (const id of ids) {
      const card = this.#cardById.get(id);
      if (card !== undefined) cards.push(card);
    }
    cards.sort(byPosThenId);
    if (cells === undefined) this.#cells.set(place, new Map([[kind, cards]]));
    else cells.set(kind, cards);
  }

  /** Columns whose stage and cells are unchanged keep their Column object. */
  #rebuildColumns(dirty: ReadonlyMap<Place, ReadonlySet<CardKind>>): void {
    const previous = new Map<Place, Column>(this.#columns.map((column) => [column.stage?.id ?? null, column]));
    const column = (place: Place, stage: Stage | null): Column => {
      const old = previous.get(place);
      if (old !== undefined && !dirty.has(place)) {
        return old.stage === stage ? old : { stage, cards: old.cards };
      }
      return { stage, cards: this.#columnCards(place) };
    };
    const columns = this.#stages.map((stage) => column(stage.id, stage));
    if (this.#members.has(null)) columns.push(column(null, null));
    const same =
      columns.length === this.#columns.length &&
      columns.every((next, at) => next === this.#columns[at]);
    if (!same) this.#columns = columns;
  }

  #columnCards(place: Place): Card[] {
    const cards: Card[] = [];
    for (const lane of LANES) cards.push(...this.cell(place, lane.kind));
    return cards.sort(byPosThenId);
  }
}
