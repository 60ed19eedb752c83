// This person's drafts (issue #29): their private document, which only their personal token
// opens, read into cards that sit in place on their own map until a reveal moves them into the
// board. Nobody else's page ever receives them.
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import { mapEntriesOf, readCard, type Card } from '../state/content';
import { laneOf, type CardKind } from '../state/lanes';
import { byPosThenId } from '../state/positions';
import type { SessionView } from '../state/session';
import { isFinalClose } from '../sync/closeCodes';
import { syncServerUrl } from '../sync/boardConnection';

/** A draft of this person's, as the map shows it: a card with `draft` set. */
export type Draft = Card & { readonly draft: true };

export const NO_DRAFTS: readonly Draft[] = Object.freeze([]);

/**
 * Whether a writer's private document can hold anything now, so their page opens its socket:
 * while private writing is on, or while the session counts drafts of theirs (in anonymous
 * mode only the total is known, so anyone's). A reveal a kill interrupted leaves its counts in
 * place, so a writer it concerns still opens the socket that finishes it (WORKSHOP.md).
 */
export function wantsDrafts(
  session: Pick<SessionView, 'privateWriting' | 'drafts' | 'anonymous' | 'draftsTotal'>,
  participantId: string,
): boolean {
  if (session.privateWriting.on) return true;
  if ((session.drafts.get(participantId) ?? 0) > 0) return true;
  return session.anonymous && session.draftsTotal > 0;
}

export class BoardDrafts {
  /** This person's drafts that are not on the board yet, in (pos, id) order. */
  cards = $state.raw<readonly Draft[]>(NO_DRAFTS);

  #doc: Y.Doc | null = null;
  #provider: WebsocketProvider | null = null;
  #stop: (() => void) | null = null;
  /** The text each draft had when last read: what the writer typed, for a reveal to keep. */
  #texts = new Map<string, string>();
  /** Drafts that left the private document, with their last text (see `takeMoved`). */
  #moved = new Map<string, string>();
  /** Is this card id on the board (the content document)? */
  #onBoard: (id: string) => boolean = () => false;

  /** Open `boardId`'s private document with a personal token. */
  connect(
    boardId: string,
    token: string,
    onBoard: (id: string) => boolean,
    serverUrl: string = syncServerUrl(window.location),
  ): void {
    this.disconnect();
    const doc = new Y.Doc();
    this.#provider = new WebsocketProvider(serverUrl, `${boardId}/private`, doc, {
      params: { token },
      disableBc: true,
      shouldReconnect: (event: CloseEvent) => !isFinalClose(event.code),
    });
    this.attach(doc, onBoard);
  }

  /** Read `doc` as this person's private document (`connect` does; tests call it alone). */
  attach(doc: Y.Doc, onBoard: (id: string) => boolean): void {
    this.#doc = doc;
    this.#onBoard = onBoard;
    const read = (): void => this.refresh();
    doc.on('afterTransaction', read);
    this.#stop = () => doc.off('afterTransaction', read);
    this.refresh();
  }

  disconnect(): void {
    this.#stop?.();
    this.#stop = null;
    this.#provider?.destroy();
    this.#provider = null;
    this.#doc?.destroy();
    this.#doc = null;
    this.cards = NO_DRAFTS;
    this.#texts.clear();
  }

  /** The private document, while connected. */
  get doc(): Y.Doc | null {
    return this.#doc;
  }

  /** Read the private document again (also after the board changed: a revealed draft hides). */
  refresh(): void {
    const doc = this.#doc;
    if (doc === null) return;
    const next: Draft[] = [];
    const seen = new Set<string>();
    for (const [id, map] of mapEntriesOf(doc, 'cards')) {
      seen.add(id);
      const card = readCard(id, map);
      this.#texts.set(id, card.text);
      // Already on the board (a reveal is under way): the board's card is shown instead.
      if (!this.#onBoard(id)) next.push({ ...card, draft: true });
    }
    for (const [id, text] of this.#texts) {
      if (!seen.has(id)) {
        this.#texts.delete(id);
        this.#moved.set(id, text);
      }
    }
    next.sort(byPosThenId);
    const same =
      next.length === this.cards.length &&
      next.every((card, i) => JSON.stringify(card) === JSON.stringify(this.cards[i]));
    if (!same) this.cards = next.length === 0 ? NO_DRAFTS : next;
  }

  /**
   * Drafts a reveal moved to the board, with the text this page last had for each: `apply`
   * runs once for each that is on the board now (text typed while the reveal ran goes there).
   */
  reconcile(apply: (id: string, text: string) => void): void {
    for (const [id, text] of this.#moved) {
      if (!this.#onBoard(id)) continue;
      this.#moved.delete(id);
      apply(id, text);
    }
  }

  has(id: string): boolean {
    return this.cards.some((card) => card.id === id);
  }

  card(id: string): Draft | undefined {
    return this.cards.find((card) => card.id === id);
  }

  /** This person's drafts in one cell (stage × lane); stageId null is the Unplaced column,
   * which holds drafts whose stage is not on the board (`known` says which are). */
  cell(stageId: string | null, kind: CardKind, known: (stageId: string) => boolean): readonly Draft[] {
    if (this.cards.length === 0) return NO_DRAFTS;
    return this.cards.filter(
      (card) =>
        laneOf(card.kind) === kind &&
        (stageId === null ? card.stage === null || !known(card.stage) : card.stage === stageId),
    );
  }
}
