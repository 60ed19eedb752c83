// The board's layout as the page reads it: stages, columns, cards by cell and by id, pains.
// Reactive views of a BoardIndex (state/boardIndex.ts), which does the Yjs reading.
import type * as Y from 'yjs';
import { BoardIndex } from '../state/boardIndex';
import type * as content from '../state/content';
import type { CardKind } from '../state/lanes';

export const NO_CARDS: readonly content.Card[] = Object.freeze([]);

/** One cell's cards as fine-grained state (BoardContent.cell). */
interface CardsCell {
  readonly stageId: string | null;
  readonly kind: CardKind;
  current: readonly content.Card[];
}

function cardsCell(stageId: string | null, kind: CardKind, initial: readonly content.Card[]): CardsCell {
  let current = $state.raw(initial);
  return {
    stageId,
    kind,
    get current() {
      return current;
    },
    set current(next) {
      current = next;
    },
  };
}

export class BoardContent {
  stages = $state.raw<content.Stage[]>([]);
  cards = $state.raw<content.Card[]>([]);
  columns = $state.raw<content.Column[]>([]);
  /** The pain cards in (pos, id) order; a new array only when a pain card changed. */
  pains = $state.raw<readonly content.Card[]>(NO_CARDS);
  /** A card the side panels point at (hover in the matrix or the ranking); the map rings it. */
  highlight = $state<string | null>(null);

  #index: BoardIndex | null = null;
  /** The cells some reader asked for, by stage and lane (see `cell`). */
  #cells = new Map<string, CardsCell>();

  /**
   * Read the content document from now on (only the cards and stages a transaction touched
   * are read again); returns what stops reading it. Call `refresh` for the first reading.
   */
  attach(doc: Y.Doc): Array<() => void> {
    const index = new BoardIndex(doc);
    this.#index = index;
    return [index.subscribe(() => this.#read(index)), () => index.destroy()];
  }

  /** Forget the document (its index is stopped by what `attach` returned). */
  detach(): void {
    this.#index = null;
  }

  /**
   * Read the index into the reactive fields. What a transaction did not touch keeps its
   * identity, so assigning an unchanged value wakes nobody.
   */
  refresh(): void {
    if (this.#index !== null) this.#read(this.#index);
  }

  #read(index: BoardIndex): void {
    this.stages = index.stages;
    this.cards = index.cards;
    this.columns = index.columns;
    this.pains = index.pains;
    for (const cell of this.#cells.values()) {
      const next = index.cell(cell.stageId, cell.kind);
      if (next !== cell.current) cell.current = next;
    }
  }

  /**
   * The cards of one cell (stage × lane) in (pos, id) order; stageId null is the Unplaced
   * column. The same array object while that cell's cards are unchanged, and every Card keeps
   * its identity while it is unchanged, so keyed lists and props skip untouched cards.
   */
  cell(stageId: string | null, kind: CardKind): readonly content.Card[] {
    // Each cell is a signal of its own, so a change to one card wakes the readers of its
    // cell only, not those of the 72 cells of an 8-stage board.
    const key = JSON.stringify([stageId, kind]);
    let cell = this.#cells.get(key);
    if (cell === undefined) {
      cell = cardsCell(stageId, kind, this.#index?.cell(stageId, kind) ?? NO_CARDS);
      this.#cells.set(key, cell);
    }
    return cell.current;
  }

  /** One card by id, in O(1) (undefined when absent). */
  card(id: string): content.Card | undefined {
    void this.cards;
    return this.#index?.card(id);
  }

  /** Scroll the map to a card and flash it (a click in the ranking, the matrix or the plan). */
  revealCard(id: string): void {
    const element = document.querySelector<HTMLElement>(`[data-card-id="${CSS.escape(id)}"]`);
    if (element === null) return;
    element.scrollIntoView({ behavior: 'smooth', block: 'center', inline: 'center' });
    element.classList.remove('flash');
    void element.offsetWidth;
    element.classList.add('flash');
  }
}
