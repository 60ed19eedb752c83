// The live board a page shows: it opens the connection and hands each role to its own part.
// Components read its reactive fields and call its methods; the Yjs work happens in state/.
//   boardAccess     who this page is: link role, person, role in the session, links
//   boardContent    the layout read from the content document: stages, cells, cards
//   boardPresence   other people's presence and this tab's own
//   boardCommands   commands to the server, edits of the content document, undo and redo
//   boardDrafts     this person's drafts, in their private document (private writing)
import type * as Y from 'yjs';
import { untrack } from 'svelte';
import { t } from '../i18n/i18n.svelte';
import { unreachableMessage, type BoardLinks, type Command, type Me } from '../api/boards';
import type { Person } from '../api/credentials';
import * as content from '../state/content';
import type { CardFields, FieldValue } from '../state/content';
import type { CardKind } from '../state/lanes';
import type { Move } from '../state/moves';
import { byPosThenId } from '../state/positions';
import type { Cursor, Peer, View } from '../state/presence';
import { watches, type Role, type SessionView } from '../state/session';
import { diffText } from '../state/textDiff';
import { connectBoard, INITIAL_SYNC, type BoardConnection, type SyncState } from '../sync/boardConnection';
import { BoardAccess } from './boardAccess.svelte';
import { BoardCommands } from './boardCommands.svelte';
import { BoardContent } from './boardContent.svelte';
import { BoardDrafts, wantsDrafts } from './boardDrafts.svelte';
import { BoardPresence } from './boardPresence.svelte';
import type { Editor } from './editors';

export type { Editor } from './editors';

export type Stage = 'loading' | 'failed' | 'join' | 'ready';

export class BoardModel {
  readonly boardId: string;
  readonly linkToken: string;

  stage = $state<Stage>('loading');
  failure = $state<string | null>(null);
  sync = $state.raw<SyncState>(INITIAL_SYNC);

  readonly #access: BoardAccess;
  readonly #content = new BoardContent();
  readonly #drafts = new BoardDrafts();
  readonly #presence: BoardPresence;
  readonly #commands: BoardCommands;
  #connection: BoardConnection | null = null;
  #stops: Array<() => void> = [];
  /** Reads the session document again (set once connected). */
  #refreshSession: (() => void) | null = null;

  constructor(boardId: string, linkToken: string) {
    this.boardId = boardId;
    this.linkToken = linkToken;
    this.#access = new BoardAccess(boardId, linkToken, () => this.sync.final);
    this.#presence = new BoardPresence(() => this.#access.waiting);
    this.#commands = new BoardCommands(this.#access, this.#content, this.#drafts);
  }

  /**
   * Look the link up, reuse a remembered personal token, then connect (or ask to join). When
   * this browser remembers nobody for this board (a first visit), the socket's token is the
   * link itself whatever its role, so the sockets open at once, alongside the look-up, and
   * announce no presence until the look-up says who this is.
   */
  async start(): Promise<void> {
    const access = this.#access;
    // Untracked: start() runs from a component's effect, which must not depend on what
    // connecting reads and writes.
    const early = access.remembersSomeone() ? null : untrack(() => this.#connect(false));
    try {
      // The socket may have synced the session meanwhile; it is newer than the answer.
      await access.lookUp(() => early !== null && early.sessionSynced());
    } catch (caught: unknown) {
      this.#disconnect();
      this.failure = caught instanceof Error ? caught.message : t('board.open_failed');
      this.stage = 'failed';
      return;
    }
    access.recallLinks();
    if (access.linkRole !== 'viewer' && early === null) {
      const removed = await access.recall();
      if (removed !== null) {
        this.failure = removed;
        this.stage = 'failed';
        return;
      }
    }
    if (access.role === 'facilitator') void access.loadLinks();
    // Someone who has not joined yet sees the live board behind the join sheet, read-only and
    // without presence, until they give a name.
    if (early === null) {
      this.#connect(true);
    } else {
      // Read again now that the role is known (a facilitator's links, the budget).
      if (early.sessionSynced()) this.#refreshSession?.();
      this.#presence.announce();
      this.#connectDrafts();
    }
    this.stage = access.waiting ? 'join' : 'ready';
  }

  /** Join with the link: store the personal token and switch the sockets to it. */
  async join(name: string, department: string): Promise<void> {
    const person = await this.#access.join(name, department);
    if (this.#connection === null) {
      this.#connect(true);
    } else {
      this.#connection.switchToken(person.token);
      this.#presence.announce();
    }
    this.stage = 'ready';
    this.#connectDrafts();
    await this.#access.refreshMe();
  }

  /**
   * Open this person's private document (writers with a personal token only), once it can hold
   * something (`wantsDrafts`). Checked again on every session change; once open it stays open
   * for the page's life (a draft typed just before private writing went off is never dropped
   * with the document).
   */
  #connectDrafts(): void {
    const person = this.#access.person;
    if (person === null || watches(this.#access.linkRole) || this.#drafts.doc !== null) return;
    if (!wantsDrafts(this.#access.session, person.participantId)) return;
    this.#drafts.connect(this.boardId, person.token, (id) => this.#content.card(id) !== undefined);
    if (this.#drafts.doc !== null) this.#commands.attachDrafts(this.#drafts.doc);
  }

  /** Text typed into a draft while a reveal ran lands in the revealed card (RULINGS.md). */
  #keepTyping(id: string, text: string): void {
    this.#commands.editText(id, (shared) => {
      const edit = diffText(shared.toString(), text);
      if (edit === null) return;
      if (edit.remove > 0) shared.delete(edit.index, edit.remove);
      if (edit.insert !== '') shared.insert(edit.index, edit.insert);
    });
  }

  /**
   * Open both sockets and read the board from them. `announce`: publish this person's presence
   * at once (false while the look-up has not said who this is yet).
   */
  #connect(announce: boolean): { sessionSynced: () => boolean } {
    const board = connectBoard(this.boardId, this.token, (next) => {
      this.sync = next;
      // Back in sync: a command that failed for want of a network is no longer news.
      if (next.status === 'synced' && this.notice === unreachableMessage()) this.notice = null;
    });
    this.#connection = board;
    this.#commands.attach(board.content);
    const contentStops = this.#content.attach(board.content);
    const refreshSession = (): void => {
      this.#access.readSession(board.session);
      if (this.#connection === board) this.#connectDrafts(); // private writing may have begun
    };
    const presenceStops = this.#presence.attach(board.contentProvider.awareness, announce);
    const followBoard = (): void => {
      this.#drafts.refresh();
      this.#drafts.reconcile((id, text) => this.#keepTyping(id, text));
    };
    this.#stops.push(
      ...contentStops,
      content.observeDoc(board.session, refreshSession),
      content.observeDoc(board.content, followBoard),
      ...presenceStops,
    );
    this.#refreshSession = refreshSession;
    this.#content.refresh();
    // Until the session socket has synced, keep what `start()` read over HTTP (an empty
    // document would read as budget 0, lobby, no participants).
    const sessionSynced = (): boolean => board.session.getMap<unknown>('session').size > 0;
    if (sessionSynced()) refreshSession();
    this.#presence.refresh();
    if (announce) this.#connectDrafts();
    return { sessionSynced };
  }

  #disconnect(): void {
    for (const stop of this.#stops.splice(0)) stop();
    this.#commands.detach();
    this.#connection?.destroy();
    this.#connection = null;
    this.#drafts.disconnect();
    this.#content.detach();
    this.#presence.detach();
  }

  destroy(): void {
    this.#presence.cancel();
    this.#disconnect();
  }

  // Who this is (boardAccess) ----------------------------------------------------------------

  get linkRole(): Role {
    return this.#access.linkRole;
  }
  set linkRole(role: Role) {
    this.#access.linkRole = role;
  }
  get person(): Person | null {
    return this.#access.person;
  }
  set person(person: Person | null) {
    this.#access.person = person;
  }
  get me(): Me | null {
    return this.#access.me;
  }
  get links(): BoardLinks | null {
    return this.#access.links;
  }
  set links(links: BoardLinks | null) {
    this.#access.links = links;
  }
  get session(): SessionView {
    return this.#access.session;
  }
  set session(session: SessionView) {
    this.#access.session = session;
  }
  /** The role the board treats this person as (a promotion shows at once). */
  get role(): Role {
    return this.#access.role;
  }
  /** How many journeys the workshop holds, as the look-up said (1 for a single journey). */
  get journeyCount(): number {
    return this.#access.journeys;
  }
  get token(): string {
    return this.#access.token;
  }
  get isFacilitator(): boolean {
    return this.#access.isFacilitator;
  }
  /** A participant link that has not joined yet: read-only, and not shown in presence. */
  get waiting(): boolean {
    return this.#access.waiting;
  }
  /** No editing at all: viewers, a final close, or a lock for non-facilitators. */
  get readOnly(): boolean {
    return this.#access.readOnly;
  }
  loadLinks(): Promise<void> {
    return this.#access.loadLinks();
  }
  adoptFacilitatorLink(link: string): boolean {
    return this.#access.adoptFacilitatorLink(link);
  }
  refreshMe(): Promise<void> {
    return this.#access.refreshMe();
  }

  // The layout (boardContent) ----------------------------------------------------------------

  get stages(): content.Stage[] {
    return this.#content.stages;
  }
  get cards(): content.Card[] {
    return this.#content.cards;
  }
  get columns(): content.Column[] {
    return this.#content.columns;
  }
  /** The pain cards in (pos, id) order; a new array only when a pain card changed. */
  get pains(): readonly content.Card[] {
    return this.#content.pains;
  }
  /** A card the side panels point at (hover in the matrix or the ranking); the map rings it. */
  get highlight(): string | null {
    return this.#content.highlight;
  }
  set highlight(id: string | null) {
    this.#content.highlight = id;
  }
  cell(stageId: string | null, kind: CardKind): readonly content.Card[] {
    const cards = this.#content.cell(stageId, kind);
    const drafts = this.#drafts.cell(stageId, kind, (id) => this.#content.stages.some((s) => s.id === id));
    return drafts.length === 0 ? cards : [...cards, ...drafts].sort(byPosThenId);
  }
  card(id: string): content.Card | undefined {
    return this.#content.card(id) ?? this.#drafts.card(id);
  }

  // Private writing (boardDrafts) -------------------------------------------------------------

  /** This person's drafts that are not on the board yet. */
  get myDrafts(): readonly content.Card[] {
    return this.#drafts.cards;
  }
  /** How many drafts someone has, as the server counts them for everyone (0 in anonymous mode). */
  draftsOf(participantId: string): number {
    return this.session.drafts.get(participantId) ?? 0;
  }
  revealCard(id: string): void {
    this.#content.revealCard(id);
  }

  // Presence (boardPresence) -----------------------------------------------------------------

  get peers(): Peer[] {
    return this.#presence.peers;
  }
  editorOf(cardId: string): Editor | undefined {
    return this.#presence.editorOf(cardId);
  }
  setCursor(cursor: Cursor | null): void {
    // While people write privately, a live pointer would show others where drafts go.
    const hidden = this.session.privateWriting.on && this.#drafts.doc !== null;
    this.#presence.setCursor(hidden ? null : cursor);
  }
  setEditing(editing: string | null): void {
    this.#commands.editingSession(editing);
    // Nobody learns which card a draft is (its id would name its author after the reveal).
    this.#presence.setEditing(editing !== null && this.#drafts.has(editing) ? null : editing);
  }
  setView(view: View | null): void {
    this.#presence.setView(view);
  }

  // Commands and edits (boardCommands) -------------------------------------------------------

  /** Marks this tab's own transactions, so undo only touches them. */
  get origin(): { readonly local: boolean } {
    return this.#commands.origin;
  }
  get notice(): string | null {
    return this.#commands.notice;
  }
  set notice(notice: string | null) {
    this.#commands.notice = notice;
  }
  get canUndo(): boolean {
    return this.#commands.canUndo;
  }
  get canRedo(): boolean {
    return this.#commands.canRedo;
  }
  command(command: Command): Promise<unknown> {
    return this.#commands.command(command);
  }
  addStage(name: string): void {
    this.#commands.addStage(name);
  }
  renameStage(id: string, name: string): void {
    this.#commands.renameStage(id, name);
  }
  shiftStage(id: string, step: -1 | 1): void {
    this.#commands.shiftStage(id, step);
  }
  deleteStage(id: string): (() => void) | null {
    return this.#commands.deleteStage(id);
  }
  addCard(kind: CardKind, stageId: string): string | null {
    return this.#commands.addCard(kind, stageId);
  }
  setField(id: string, key: keyof CardFields, value: FieldValue): void {
    this.#commands.setField(id, key, value);
  }
  moveCard(id: string, move: Move): void {
    this.#commands.moveCard(id, move);
  }
  deleteCard(id: string): void {
    this.#commands.deleteCard(id);
  }
  removeCard(id: string): (() => void) | null {
    return this.#commands.removeCard(id);
  }
  editText(id: string, apply: (text: Y.Text) => void): void {
    this.#commands.editText(id, apply);
  }
  undo(): void {
    this.#commands.undo();
  }
  redo(): void {
    this.#commands.redo();
  }
}
