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
  #doc: Y.Doc | null = null;
  #undo: Y.UndoManager | null = null;
  /** The card this tab added last, until its first edit starts. */
  #added: string | null = null;

  constructor(access: BoardAccess, content: BoardContent) {
    this.#access = access;
    this.#content = content;
  }

  /** Edit `doc` from now on, with an undo history of this tab's stages and cards. */
  attach(doc: Y.Doc): void {
    this.#doc = doc;
    const scope = [doc.getMap<unknown>('stages'), doc.getMap<unknown>('cards')];
    const undo = new Y.UndoManager(scope, {
      trackedOrigins: new Set([this.origin]),
      captureTimeout: UNDO_CAPTURE_MS,
    });
    this.#undo = undo;
    const refreshUndo = (): void => {
      this.canUndo = undo.canUndo();
      this.canRedo = undo.canRedo();
    };
    undo.on('stack-item-added', refreshUndo);
    undo.on('stack-item-popped', refreshUndo);
    undo.on('stack-cleared', refreshUndo);
  }

  /** Stop editing the document and drop the undo history. */
  detach(): void {
    this.#undo?.destroy();
    this.#undo = null;
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
    const undo = this.#undo;
    if (undo === null) return;
    if (editing === null) {
      undo.captureTimeout = UNDO_CAPTURE_MS;
      undo.stopCapturing();
      return;
    }
    if (this.#added !== editing) undo.stopCapturing();
    this.#added = null;
    undo.captureTimeout = Number.MAX_SAFE_INTEGER;
  }

  /** The content document, when this person may edit it now. */
  #writable(): Y.Doc | null {
    return this.#access.readOnly ? null : this.#doc;
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
    this.#undo?.stopCapturing();
    content.deleteStage(doc, id, this.origin);
    return () => {
      const target = this.#writable();
      if (target !== null) content.restoreStage(target, saved, this.origin);
    };
  }

  addCard(kind: CardKind, stageId: string): string | null {
    const doc = this.#writable();
    if (doc === null) return null;
    // A new card, with the text typed into it next, is one undo step of its own.
    this.#undo?.stopCapturing();
    const person = this.#access.person;
    const id = content.addCard(
      doc, kind, stageId, '', person?.name ?? '', this.origin, person?.participantId ?? '',
    );
    this.#added = id;
    return id;
  }

  setField(id: string, key: keyof CardFields, value: FieldValue): void {
    const doc = this.#writable();
    if (doc !== null) content.setCardField(doc, id, key, value, this.origin);
  }

  moveCard(id: string, move: Move): void {
    const doc = this.#writable();
    if (doc !== null) content.moveCard(doc, id, move.stage, move.pos, this.origin, move.kind);
  }

  deleteCard(id: string): void {
    const doc = this.#writable();
    if (doc !== null) content.deleteCard(doc, id, this.origin);
  }

  /** Delete a card and return what puts it back as it was (for the toast's Undo). */
  removeCard(id: string): (() => void) | null {
    const doc = this.#writable();
    if (doc === null) return null;
    const saved = snapshotCard(doc, id);
    if (saved === null) return null;
    this.#undo?.stopCapturing();
    content.deleteCard(doc, id, this.origin);
    return () => {
      const target = this.#writable();
      if (target !== null) restoreCard(target, saved, this.origin);
    };
  }

  /** Apply one edit to a card's shared text. */
  editText(id: string, apply: (text: Y.Text) => void): void {
    const doc = this.#writable();
    if (doc === null) return;
    const text = content.cardText(doc, id, this.origin);
    if (text !== undefined) doc.transact(() => apply(text), this.origin);
  }

  undo(): void {
    if (!this.#access.readOnly) this.#undo?.undo();
  }

  redo(): void {
    if (!this.#access.readOnly) this.#undo?.redo();
  }
}
