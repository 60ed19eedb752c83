// What this page does to the board: commands to the server, and edits of the content
// document with this tab's origin, so that undo and redo touch only this tab's own edits.
import * as Y from 'yjs';
import { t } from '../i18n/i18n.svelte';
import { sendCommand, type Command } from '../api/boards';
import { restoreCard, snapshotCard } from '../state/cardSnapshot';
import * as content from '../state/content';
import type { CardFields, FieldValue } from '../state/content';
import type { CardKind } from '../state/lanes';
import type { Move } from '../state/moves';
import type { BoardAccess } from './boardAccess.svelte';
import type { BoardContent } from './boardContent.svelte';
import type { BoardDrafts } from './boardDrafts.svelte';

/** Changes closer together than this are one undo step (Yjs's default). */
export const UNDO_CAPTURE_MS = 500;

export class BoardCommands {
  /** Marks this tab's own transactions, so undo only touches them. */
  readonly origin = { local: true };

  notice = $state<string | null>(null);
  canUndo = $state(false);
  canRedo = $state(false);

  readonly #access: BoardAccess;
  readonly #content: BoardContent;
  readonly #drafts: BoardDrafts;
  #doc: Y.Doc | null = null;
  #undo: Y.UndoManager | null = null;
  /** The undo history of this tab's drafts (their own document); undo takes the newer step. */
  #draftUndo: Y.UndoManager | null = null;
  /** The card this tab added last, until its first edit starts. */
  #added: string | null = null;

  constructor(access: BoardAccess, content: BoardContent, drafts: BoardDrafts) {
    this.#access = access;
    this.#content = content;
    this.#drafts = drafts;
  }

  /** Edit `doc` from now on, with an undo history of this tab's stages and cards. */
  attach(doc: Y.Doc): void {
    this.#doc = doc;
    this.#undo = this.#history([doc.getMap<unknown>('stages'), doc.getMap<unknown>('cards')]);
  }

  /** Keep an undo history of this tab's drafts too (their private document). */
  attachDrafts(doc: Y.Doc): void {
    this.#draftUndo?.destroy();
    this.#draftUndo = this.#history([doc.getMap<unknown>('cards')]);
  }

  #history(scope: Array<Y.Map<unknown>>): Y.UndoManager {
    const undo = new Y.UndoManager(scope, {
      trackedOrigins: new Set([this.origin]),
      captureTimeout: UNDO_CAPTURE_MS,
    });
    // When each step was taken, so that undo picks the newer of the two histories.
    undo.on('stack-item-added', (event: { stackItem: { meta: Map<string, unknown> } }) => {
      event.stackItem.meta.set('at', performance.now());
    });
    const refresh = (): void => this.#refreshUndo();
    undo.on('stack-item-added', refresh);
    undo.on('stack-item-popped', refresh);
    undo.on('stack-cleared', refresh);
    return undo;
  }

  #refreshUndo(): void {
    const histories = [this.#undo, this.#draftUndo];
    this.canUndo = histories.some((undo) => undo?.canUndo() === true);
    this.canRedo = histories.some((undo) => undo?.canRedo() === true);
  }

  /** The history whose newest step on `stack` is the newer one. */
  #newest(stack: 'undoStack' | 'redoStack'): Y.UndoManager | null {
    const at = (undo: Y.UndoManager | null): number => {
      const item = undo?.[stack].at(-1);
      const stamp = item?.meta.get('at');
      return item === undefined ? -1 : typeof stamp === 'number' ? stamp : 0;
    };
    return at(this.#draftUndo) > at(this.#undo) ? this.#draftUndo : this.#undo;
  }

  /** The next change starts a step of its own, in both histories. */
  #stopCapturing(): void {
    this.#undo?.stopCapturing();
    this.#draftUndo?.stopCapturing();
  }

  /** Stop editing the document and drop the undo history. */
  detach(): void {
    this.#undo?.destroy();
    this.#undo = null;
    this.#draftUndo?.destroy();
    this.#draftUndo = null;
    this.#doc = null;
  }

  /** Send a command; failures become a notice. Returns the result, or undefined on failure. */
  async command(command: Command): Promise<unknown> {
    try {
      this.notice = null;
      return await sendCommand(this.#access.boardId, this.#access.token, command);
    } catch (caught: unknown) {
      this.notice = caught instanceof Error ? caught.message : t('board.command_failed');
      return undefined;
    }
  }

  /**
   * One editing session of a card's text is one undo step (joined to the card's creation when
   * the card was just added), however slowly it is typed. `editing`: the card whose edit
   * starts, or null when it ends.
   */
  editingSession(editing: string | null): void {
    const added = this.#added;
    this.#added = editing === null ? added : null;
    for (const undo of [this.#undo, this.#draftUndo]) {
      if (undo === null) continue;
      if (editing === null) {
        undo.captureTimeout = UNDO_CAPTURE_MS;
        undo.stopCapturing();
        continue;
      }
      if (added !== editing) undo.stopCapturing();
      undo.captureTimeout = Number.MAX_SAFE_INTEGER;
    }
  }

  /** The content document, when this person may edit it now. */
  #writable(): Y.Doc | null {
    return this.#access.readOnly ? null : this.#doc;
  }

  /** The document that holds a card: this person's private one for a draft, else the board. */
  #holding(id: string): Y.Doc | null {
    const own = this.#drafts.doc;
    if (own !== null && !this.#access.readOnly && this.#drafts.has(id)) return own;
    return this.#writable();
  }

  /**
   * Where a new card of this lane goes: the private document while private writing covers it.
   * Someone without a private document then (a facilitator who has not added their name)
   * writes nothing, and is told why: facilitators' new cards are private too (RULINGS.md).
   */
  #newCardDoc(kind: CardKind): Y.Doc | null {
    const writing = this.#access.session.privateWriting;
    const covered = writing.on && (writing.lanes === null || writing.lanes.includes(kind));
    if (!covered || this.#access.readOnly) return this.#writable();
    const own = this.#drafts.doc;
    if (own === null) this.notice = t('private.name_first');
    return own;
  }

  addStage(name: string): void {
    const doc = this.#writable();
    if (doc !== null) content.addStage(doc, name, this.origin);
  }

  renameStage(id: string, name: string): void {
    const doc = this.#writable();
    if (doc !== null) content.renameStage(doc, id, name, this.origin);
  }

  shiftStage(id: string, step: -1 | 1): void {
    const doc = this.#writable();
    if (doc !== null) content.shiftStage(doc, id, step, this.origin);
  }

  /** Delete a stage (its cards go to Unplaced); returns what puts it back, for an Undo. */
  deleteStage(id: string): (() => void) | null {
    const doc = this.#writable();
    const saved = this.#content.stages.find((stage) => stage.id === id);
    if (doc === null || saved === undefined) return null;
    this.#stopCapturing();
    content.deleteStage(doc, id, this.origin);
    return () => {
      const target = this.#writable();
      if (target !== null) content.restoreStage(target, saved, this.origin);
    };
  }

  addCard(kind: CardKind, stageId: string): string | null {
    const doc = this.#newCardDoc(kind);
    if (doc === null) return null;
    // A new card, with the text typed into it next, is one undo step of its own.
    this.#stopCapturing();
    const person = this.#access.person;
    const id = content.addCard(
      doc, kind, stageId, '', person?.name ?? '', this.origin, person?.participantId ?? '',
    );
    this.#added = id;
    return id;
  }

  setField(id: string, key: keyof CardFields, value: FieldValue): void {
    const doc = this.#holding(id);
    if (doc !== null) content.setCardField(doc, id, key, value, this.origin);
  }

  moveCard(id: string, move: Move): void {
    const doc = this.#holding(id);
    if (doc !== null) content.moveCard(doc, id, move.stage, move.pos, this.origin, move.kind);
  }

  deleteCard(id: string): void {
    const doc = this.#holding(id);
    if (doc !== null) content.deleteCard(doc, id, this.origin);
  }

  /** Delete a card and return what puts it back as it was (for the toast's Undo). */
  removeCard(id: string): (() => void) | null {
    const doc = this.#holding(id);
    if (doc === null) return null;
    const saved = snapshotCard(doc, id);
    if (saved === null) return null;
    this.#stopCapturing();
    content.deleteCard(doc, id, this.origin);
    return () => {
      if (!this.#access.readOnly) restoreCard(doc, saved, this.origin);
    };
  }

  /** Apply one edit to a card's shared text. */
  editText(id: string, apply: (text: Y.Text) => void): void {
    const doc = this.#holding(id);
    if (doc === null) return;
    const text = content.cardText(doc, id, this.origin);
    if (text !== undefined) doc.transact(() => apply(text), this.origin);
  }

  undo(): void {
    if (!this.#access.readOnly) this.#newest('undoStack')?.undo();
  }

  redo(): void {
    if (!this.#access.readOnly) this.#newest('redoStack')?.redo();
  }
}
