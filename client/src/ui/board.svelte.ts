// The live board a page shows: both documents, presence, the person and their commands.
// Components read its reactive fields and call its methods; the Yjs work happens in state/.
import * as Y from 'yjs';
import {
  ApiError,
  fetchBoard,
  fetchLinks,
  fetchMe,
  joinBoard,
  REMOVED_MESSAGE,
  sendCommand,
  type BoardLinks,
  type Command,
  type Me,
  UNREACHABLE_MESSAGE,
} from '../api/boards';
import {
  deviceId,
  loadLinks as loadSavedLinks,
  loadPerson,
  saveLinks,
  savePerson,
  type Person,
} from '../api/credentials';
import * as content from '../state/content';
import { restoreCard, snapshotCard } from '../state/cardSnapshot';
import type { CardFields, FieldValue } from '../state/content';
import type { CardKind } from '../state/lanes';
import type { Move } from '../state/moves';
import { readPeers, throttle, type Cursor, type LocalPresence, type Peer, type View } from '../state/presence';
import { isRole, parseSession, readSession, type Role, type SessionView } from '../state/session';
import {
  connectBoard,
  INITIAL_SYNC,
  type BoardConnection,
  type SyncState,
} from '../sync/boardConnection';

export type Stage = 'loading' | 'failed' | 'join' | 'ready';

export class BoardModel {
  readonly boardId: string;
  readonly linkToken: string;
  /** Marks this tab's own transactions, so undo only touches them. */
  readonly origin = { local: true };

  stage = $state<Stage>('loading');
  failure = $state<string | null>(null);
  linkRole = $state<Role>('viewer');
  person = $state.raw<Person | null>(null);
  sync = $state.raw<SyncState>(INITIAL_SYNC);
  stages = $state.raw<content.Stage[]>([]);
  cards = $state.raw<content.Card[]>([]);
  columns = $state.raw<content.Column[]>([]);
  session = $state.raw<SessionView>(parseSession({
    board: {}, session: {}, participants: {}, votes: {}, ratings: {}, progress: {},
  }));
  peers = $state.raw<Peer[]>([]);
  me = $state.raw<Me | null>(null);
  links = $state.raw<BoardLinks | null>(null);
  notice = $state<string | null>(null);
  canUndo = $state(false);
  canRedo = $state(false);
  /** A card the side panels point at (hover in the matrix or the ranking); the map rings it. */
  highlight = $state<string | null>(null);

  #connection: BoardConnection | null = null;
  #undo: Y.UndoManager | null = null;
  #presence: LocalPresence = { cursor: null, editing: null, view: null };
  #sendPresence = throttle<LocalPresence>(50, (state) => this.#publishPresence(state), () =>
    performance.now(),
  );
  #stops: Array<() => void> = [];
  /** Whether the links were asked for since this person became a facilitator. */
  #linksAsked = false;

  constructor(boardId: string, linkToken: string) {
    this.boardId = boardId;
    this.linkToken = linkToken;
  }

  /** The role the board treats this person as (a promotion shows at once). */
  get role(): Role {
    const person = this.person;
    if (person === null) return this.linkRole;
    const entry = this.session.participants.find((p) => p.id === person.participantId);
    return entry?.role ?? this.linkRole;
  }

  get token(): string {
    return this.person?.token ?? this.linkToken;
  }

  get isFacilitator(): boolean {
    return this.role === 'facilitator' && !this.sync.final;
  }

  /** A participant link that has not joined yet: read-only, and not shown in presence. */
  get waiting(): boolean {
    return this.linkRole === 'participant' && this.person === null;
  }

  /** No editing at all: viewers, a final close, or a lock for non-facilitators. */
  get readOnly(): boolean {
    if (this.role === 'viewer' || this.sync.final || this.waiting) return true;
    return this.session.locked && this.role !== 'facilitator';
  }

  /** Look the link up, reuse a remembered personal token, then connect (or ask to join). */
  async start(): Promise<void> {
    try {
      const answer = await fetchBoard(this.boardId, this.linkToken);
      this.linkRole = isRole(answer.role) ? answer.role : 'viewer';
      this.session = parseSession({
        board: answer.session['board'],
        session: answer.session['session'],
        participants: answer.session['participants'],
        votes: answer.session['votes'],
        ratings: answer.session['ratings'],
        progress: answer.session['progress'],
      });
    } catch (caught: unknown) {
      this.failure = caught instanceof Error ? caught.message : 'This board could not be opened.';
      this.stage = 'failed';
      return;
    }
    if (this.linkRole === 'facilitator') this.links = loadSavedLinks(this.boardId);
    if (this.linkRole !== 'viewer') {
      const remembered = loadPerson(this.boardId, this.linkRole);
      if (remembered !== null) {
        try {
          this.me = await fetchMe(this.boardId, remembered.token);
          this.person = remembered;
        } catch (caught: unknown) {
          if (caught instanceof ApiError && caught.status === 403) {
            // Removed: say so, and keep the token so this browser keeps saying so.
            this.failure = REMOVED_MESSAGE;
            this.stage = 'failed';
            return;
          }
          if (caught instanceof ApiError && caught.status >= 400 && caught.status < 500) {
            savePerson(this.boardId, this.linkRole, null);
          } else {
            this.person = remembered;
          }
        }
      }
    }
    if (this.role === 'facilitator') void this.loadLinks();
    // Someone who has not joined yet sees the live board behind the join sheet, read-only and
    // without presence, until they give a name.
    this.#connect();
    this.stage = this.linkRole === 'participant' && this.person === null ? 'join' : 'ready';
  }

  /**
   * Fetch the board's current links (`GET /links`) into `links`, for anyone whose role is
   * facilitator now: the creator in any browser, a co-facilitator, someone promoted a moment
   * ago. On failure, the links this browser saved (if any) stay. Others: does nothing.
   * The board calls it on start and on a promotion; a links panel may call it when it opens,
   * to pick up a rotation another facilitator made.
   */
  async loadLinks(): Promise<void> {
    if (this.role !== 'facilitator') return;
    this.#linksAsked = true;
    const before = this.links;
    let fetched: BoardLinks | null = null;
    try {
      fetched = await fetchLinks(this.boardId, this.token);
    } catch {
      fetched = null;
    }
    if (this.links !== before) return; // a rotation here set newer links meanwhile
    if (fetched !== null) {
      this.links = fetched;
      saveLinks(this.boardId, fetched);
    } else {
      this.links ??= loadSavedLinks(this.boardId);
    }
  }

  /** Join with the link: store the personal token and switch the sockets to it. */
  async join(name: string, department: string): Promise<void> {
    const answer = await joinBoard(this.boardId, this.linkToken, name, department, deviceId());
    const person = { token: answer.token, participantId: answer.participantId, name };
    savePerson(this.boardId, this.linkRole, person);
    this.person = person;
    if (this.#connection === null) {
      this.#connect();
    } else {
      this.#connection.switchToken(person.token);
      this.#publishPresence(this.#presence);
    }
    this.stage = 'ready';
    await this.refreshMe();
  }

  async refreshMe(): Promise<void> {
    if (this.person === null) return;
    try {
      this.me = await fetchMe(this.boardId, this.person.token);
    } catch {
      // Shown again on the next successful refresh.
    }
  }

  /** Send a command; failures become a notice. Returns the result, or undefined on failure. */
  async command(command: Command): Promise<unknown> {
    try {
      this.notice = null;
      return await sendCommand(this.boardId, this.token, command);
    } catch (caught: unknown) {
      this.notice = caught instanceof Error ? caught.message : 'The command failed.';
      return undefined;
    }
  }

  #connect(): void {
    const board = connectBoard(this.boardId, this.token, (next) => {
      this.sync = next;
      // Back in sync: a command that failed for want of a network is no longer news.
      if (next.status === 'synced' && this.notice === UNREACHABLE_MESSAGE) this.notice = null;
    });
    this.#connection = board;
    const scope = [board.content.getMap<unknown>('stages'), board.content.getMap<unknown>('cards')];
    const undo = new Y.UndoManager(scope, { trackedOrigins: new Set([this.origin]) });
    this.#undo = undo;
    const refreshUndo = (): void => {
      this.canUndo = undo.canUndo();
      this.canRedo = undo.canRedo();
    };
    undo.on('stack-item-added', refreshUndo);
    undo.on('stack-item-popped', refreshUndo);
    undo.on('stack-cleared', refreshUndo);
    const refreshContent = (): void => {
      this.stages = content.readStages(board.content);
      this.cards = content.readCards(board.content);
      this.columns = content.groupColumns(this.stages, this.cards);
    };
    const refreshSession = (): void => {
      const budget = this.session.votesPerPerson;
      this.session = readSession(board.session);
      // A new vote budget changes what is left: ask again rather than wait for a reload
      // (0 is a document not synced yet, not a budget).
      const next = this.session.votesPerPerson;
      if (budget !== 0 && next !== 0 && next !== budget) void this.refreshMe();
      if (this.role !== 'facilitator') this.#linksAsked = false;
      else if (!this.#linksAsked) void this.loadLinks(); // promoted: now they may see the links
    };
    const awareness = board.contentProvider.awareness;
    const refreshPeers = (): void => {
      this.peers = readPeers(awareness.getStates(), awareness.clientID);
    };
    awareness.setLocalState(this.waiting ? null : { ...this.#presence });
    awareness.on('change', refreshPeers);
    this.#stops.push(
      content.observeDoc(board.content, refreshContent),
      content.observeDoc(board.session, refreshSession),
      () => awareness.off('change', refreshPeers),
    );
    refreshContent();
    // Until the session socket has synced, keep what `start()` read over HTTP (an empty
    // document would read as budget 0, lobby, no participants).
    if (board.session.getMap<unknown>('session').size > 0) refreshSession();
    refreshPeers();
  }

  destroy(): void {
    this.#sendPresence.cancel();
    for (const stop of this.#stops) stop();
    this.#undo?.destroy();
    this.#connection?.destroy();
    this.#connection = null;
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

  // Presence ---------------------------------------------------------------------------------

  setCursor(cursor: Cursor | null): void {
    this.#presence = { ...this.#presence, cursor };
    this.#sendPresence.push(this.#presence);
  }

  setEditing(editing: string | null): void {
    this.#presence = { ...this.#presence, editing };
    this.#publishPresence(this.#presence);
  }

  setView(view: View | null): void {
    this.#presence = { ...this.#presence, view };
    this.#sendPresence.push(this.#presence);
  }

  #publishPresence(state: LocalPresence): void {
    if (this.waiting) return;
    this.#connection?.contentProvider.awareness.setLocalState({ ...state });
  }

  // Content edits (all with this tab's origin, so they can be undone) -----------------------

  #doc(): Y.Doc | null {
    return this.readOnly ? null : (this.#connection?.content ?? null);
  }

  addStage(name: string): void {
    const doc = this.#doc();
    if (doc !== null) content.addStage(doc, name, this.origin);
  }

  renameStage(id: string, name: string): void {
    const doc = this.#doc();
    if (doc !== null) content.renameStage(doc, id, name, this.origin);
  }

  shiftStage(id: string, step: -1 | 1): void {
    const doc = this.#doc();
    if (doc !== null) content.shiftStage(doc, id, step, this.origin);
  }

  deleteStage(id: string): void {
    const doc = this.#doc();
    if (doc !== null) content.deleteStage(doc, id, this.origin);
  }

  addCard(kind: CardKind, stageId: string): string | null {
    const doc = this.#doc();
    if (doc === null) return null;
    // A new card (with the text typed into it next) is one undo step of its own.
    this.#undo?.stopCapturing();
    const person = this.person;
    return content.addCard(
      doc, kind, stageId, '', person?.name ?? '', this.origin, person?.participantId ?? '',
    );
  }

  setField(id: string, key: keyof CardFields, value: FieldValue): void {
    const doc = this.#doc();
    if (doc !== null) content.setCardField(doc, id, key, value, this.origin);
  }

  moveCard(id: string, move: Move): void {
    const doc = this.#doc();
    if (doc !== null) content.moveCard(doc, id, move.stage, move.pos, this.origin, move.kind);
  }

  deleteCard(id: string): void {
    const doc = this.#doc();
    if (doc !== null) content.deleteCard(doc, id, this.origin);
  }

  /** Delete a card and return what puts it back as it was (for the toast's Undo). */
  removeCard(id: string): (() => void) | null {
    const doc = this.#doc();
    if (doc === null) return null;
    const saved = snapshotCard(doc, id);
    if (saved === null) return null;
    this.#undo?.stopCapturing();
    content.deleteCard(doc, id, this.origin);
    return () => {
      const target = this.#doc();
      if (target !== null) restoreCard(target, saved, this.origin);
    };
  }

  /** Apply one edit to a card's shared text. */
  editText(id: string, apply: (text: Y.Text) => void): void {
    const doc = this.#doc();
    if (doc === null) return;
    const text = content.cardText(doc, id, this.origin);
    if (text !== undefined) doc.transact(() => apply(text), this.origin);
  }

  undo(): void {
    if (!this.readOnly) this.#undo?.undo();
  }

  redo(): void {
    if (!this.readOnly) this.#undo?.redo();
  }
}
