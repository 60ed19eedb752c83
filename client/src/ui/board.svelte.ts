// The live board a page shows: both documents, presence, the person and their commands.
// Components read its reactive fields and call its methods; the Yjs work happens in state/.
import * as Y from 'yjs';
import { untrack } from 'svelte';
import {
  ApiError,
  fetchBoard,
  fetchLinks,
  fetchMe,
  joinBoard,
  linkToken,
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
import { BoardIndex } from '../state/boardIndex';
import * as content from '../state/content';
import { restoreCard, snapshotCard } from '../state/cardSnapshot';
import type { CardFields, FieldValue } from '../state/content';
import type { CardKind } from '../state/lanes';
import type { Move } from '../state/moves';
import { coalesce, readPeers, throttle, type Cursor, type LocalPresence, type Peer, type View } from '../state/presence';
import { isRole, parseSession, readSession, type Role, type SessionView } from '../state/session';
import {
  connectBoard,
  INITIAL_SYNC,
  type BoardConnection,
  type SyncState,
} from '../sync/boardConnection';

export type Stage = 'loading' | 'failed' | 'join' | 'ready';

/** Changes closer together than this are one undo step (Yjs's default). */
const UNDO_CAPTURE_MS = 500;

/** Who is editing a card: the fields of their presence that do not move with their cursor. */
export type Editor = Pick<Peer, 'clientId' | 'name' | 'role' | 'color'>;

const NO_CARDS: readonly content.Card[] = Object.freeze([]);

/** The least time between two readings of other people's presence (every other 60 Hz frame). */
const PEERS_GAP_MS = 25;

/** One card's editor as fine-grained state, so a change wakes only that card's readers. */
interface EditorCell {
  current: Editor | undefined;
}

function editorCell(initial: Editor | undefined): EditorCell {
  let current = $state.raw(initial);
  return {
    get current() {
      return current;
    },
    set current(next) {
      current = next;
    },
  };
}

/** One cell's cards as fine-grained state (BoardModel.cell). */
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

/** At the next animation frame, or after `fallbackMs` when frames do not come (a hidden tab). */
function nextFrame(callback: () => void, fallbackMs = 100): () => void {
  let frame = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const stop = (): void => {
    cancelAnimationFrame(frame);
    clearTimeout(timer);
  };
  const fire = (): void => {
    stop();
    callback();
  };
  frame = requestAnimationFrame(fire);
  timer = setTimeout(fire, fallbackMs);
  return stop;
}

function sameEditor(a: Editor | undefined, b: Editor | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return a.clientId === b.clientId && a.name === b.name && a.role === b.role && a.color === b.color;
}

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
  /** The pain cards in (pos, id) order; a new array only when a pain card changed. */
  pains = $state.raw<readonly content.Card[]>(NO_CARDS);
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
  #index: BoardIndex | null = null;
  /** Card id → who is editing it (the first such non-viewer peer in `peers` order). */
  #editing = new Map<string, Editor>();
  #editors = new Map<string, EditorCell>();
  /** The cells some reader asked for, by stage and lane (see `cell`). */
  #cells = new Map<string, CardsCell>();
  #undo: Y.UndoManager | null = null;
  #presence: LocalPresence = { cursor: null, editing: null, view: null };
  #sendPresence = throttle<LocalPresence>(50, (state) => this.#publishPresence(state), () =>
    performance.now(),
  );
  #stops: Array<() => void> = [];
  /** The card this tab added last, until its first edit starts. */
  #added: string | null = null;
  /** Reads the session document again (set once connected). */
  #refreshSession: (() => void) | null = null;
  /** Whether the links were asked for since this person became a facilitator. */
  #linksAsked = false;

  constructor(boardId: string, linkToken: string) {
    this.boardId = boardId;
    this.linkToken = linkToken;
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

  /**
   * Who is editing a card (a non-viewer peer), in O(1); only the readers of a card whose
   * editor changed are woken, not every card on each presence change.
   */
  editorOf(cardId: string): Editor | undefined {
    let cell = this.#editors.get(cardId);
    if (cell === undefined) {
      cell = editorCell(this.#editing.get(cardId));
      this.#editors.set(cardId, cell);
    }
    return cell.current;
  }

  // Role and read-only are derived once for the page, not per reader: each of 2,000 cards
  // reads them, and a session change then recomputes them once (and wakes no card unless the
  // answer changed).
  #role = $derived.by((): Role => {
    const person = this.person;
    if (person === null) return this.linkRole;
    const entry = this.session.participants.find((p) => p.id === person.participantId);
    return entry?.role ?? this.linkRole;
  });
  #readOnly = $derived.by((): boolean => {
    if (this.role === 'viewer' || this.sync.final || this.waiting) return true;
    return this.session.locked && this.role !== 'facilitator';
  });

  /** The role the board treats this person as (a promotion shows at once). */
  get role(): Role {
    return this.#role;
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
    return this.#readOnly;
  }

  /**
   * Look the link up, reuse a remembered personal token, then connect (or ask to join). When
   * this browser remembers nobody for this board (a first visit), the socket's token is the
   * link itself whatever its role, so the sockets open at once, alongside the look-up, and
   * announce no presence until the look-up says who this is.
   */
  async start(): Promise<void> {
    // Untracked: start() runs from a component's effect, which must not depend on what
    // connecting reads and writes.
    const early = this.#remembersSomeone() ? null : untrack(() => this.#connect(false));
    try {
      const answer = await fetchBoard(this.boardId, this.linkToken);
      this.linkRole = isRole(answer.role) ? answer.role : 'viewer';
      // The socket may have synced the session meanwhile; it is newer than this answer.
      if (early === null || !early.sessionSynced()) {
        this.session = parseSession({
          board: answer.session['board'],
          session: answer.session['session'],
          participants: answer.session['participants'],
          votes: answer.session['votes'],
          ratings: answer.session['ratings'],
          progress: answer.session['progress'],
        });
      }
    } catch (caught: unknown) {
      this.#disconnect();
      this.failure = caught instanceof Error ? caught.message : 'This board could not be opened.';
      this.stage = 'failed';
      return;
    }
    if (this.linkRole === 'facilitator') this.links = loadSavedLinks(this.boardId);
    if (this.linkRole !== 'viewer' && early === null) {
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
    if (early === null) {
      this.#connect(true);
    } else {
      // Read again now that the role is known (a facilitator's links, the budget).
      if (early.sessionSynced()) this.#refreshSession?.();
      this.#publishPresence(this.#presence);
    }
    this.stage = this.linkRole === 'participant' && this.person === null ? 'join' : 'ready';
  }

  /** Whether this browser keeps a personal token for this board (under any link role). */
  #remembersSomeone(): boolean {
    return loadPerson(this.boardId, 'participant') !== null || loadPerson(this.boardId, 'facilitator') !== null;
  }

  #disconnect(): void {
    for (const stop of this.#stops.splice(0)) stop();
    this.#undo?.destroy();
    this.#undo = null;
    this.#connection?.destroy();
    this.#connection = null;
    this.#index = null;
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

  /**
   * Keep the facilitator link a removal rotated (see `rotatedFacilitatorLink`). A page opened
   * with the old facilitator link moves to the new one: with a personal token only its
   * address changes (so that the next visit opens); without one it reopens with the new link,
   * because the server closed the sockets of the old one. Returns whether the page reopens.
   */
  adoptFacilitatorLink(link: string): boolean {
    const links = this.links ?? { facilitator: '', participant: '', viewer: '' };
    this.links = { ...links, facilitator: link };
    saveLinks(this.boardId, this.links);
    if (this.linkRole !== 'facilitator') return false;
    const token = linkToken(link);
    if (token === null) return false;
    const address = `${window.location.pathname}#token=${encodeURIComponent(token)}`;
    if (this.person !== null) {
      window.history.replaceState(window.history.state, '', address);
      return false;
    }
    window.location.replace(address);
    return true;
  }

  /** Join with the link: store the personal token and switch the sockets to it. */
  async join(name: string, department: string): Promise<void> {
    const answer = await joinBoard(this.boardId, this.linkToken, name, department, deviceId());
    const person = { token: answer.token, participantId: answer.participantId, name };
    savePerson(this.boardId, this.linkRole, person);
    this.person = person;
    if (this.#connection === null) {
      this.#connect(true);
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

  /**
   * Open both sockets and read the board from them. `announce`: publish this person's presence
   * at once (false while the look-up has not said who this is yet).
   */
  #connect(announce: boolean): { sessionSynced: () => boolean } {
    const board = connectBoard(this.boardId, this.token, (next) => {
      this.sync = next;
      // Back in sync: a command that failed for want of a network is no longer news.
      if (next.status === 'synced' && this.notice === UNREACHABLE_MESSAGE) this.notice = null;
    });
    this.#connection = board;
    const scope = [board.content.getMap<unknown>('stages'), board.content.getMap<unknown>('cards')];
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
    // Only the cards and stages a transaction touched are read again (state/boardIndex.ts);
    // what it did not touch keeps its identity, so assigning an unchanged value wakes nobody.
    const index = new BoardIndex(board.content);
    this.#index = index;
    const refreshContent = (): void => {
      this.stages = index.stages;
      this.cards = index.cards;
      this.columns = index.columns;
      this.pains = index.pains;
      for (const cell of this.#cells.values()) {
        const next = index.cell(cell.stageId, cell.kind);
        if (next !== cell.current) cell.current = next;
      }
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
      this.#refreshEditors();
    };
    // Thirty people moving their cursors send hundreds of presence changes a second; peers are
    // read at most once per PEERS_GAP_MS, in an animation frame (or after 100 ms, when the tab
    // is hidden and frames do not come). Every frame that moves a pointer costs the browser a
    // paint and a re-layerization of the page (about 10 ms on a 2,000-card board), so moving
    // them every other frame (30 Hz; each person sends 10 Hz) keeps the page at full rate.
    let peersRead = -Infinity;
    const peersLater = coalesce(
      () => {
        peersRead = performance.now();
        refreshPeers();
      },
      (callback) => {
        let stop = nextFrame(function due() {
          if (performance.now() - peersRead < PEERS_GAP_MS) stop = nextFrame(due);
          else callback();
        });
        return () => stop();
      },
    );
    awareness.setLocalState(this.waiting || !announce ? null : { ...this.#presence });
    awareness.on('change', peersLater.request);
    this.#stops.push(
      index.subscribe(refreshContent),
      () => index.destroy(),
      content.observeDoc(board.session, refreshSession),
      () => awareness.off('change', peersLater.request),
      peersLater.cancel,
    );
    this.#refreshSession = refreshSession;
    refreshContent();
    // Until the session socket has synced, keep what `start()` read over HTTP (an empty
    // document would read as budget 0, lobby, no participants).
    const sessionSynced = (): boolean => board.session.getMap<unknown>('session').size > 0;
    if (sessionSynced()) refreshSession();
    refreshPeers();
    return { sessionSynced };
  }

  #refreshEditors(): void {
    const editing = new Map<string, Editor>();
    for (const peer of this.peers) {
      if (peer.editing === null || peer.role === 'viewer' || editing.has(peer.editing)) continue;
      const old = this.#editing.get(peer.editing);
      editing.set(peer.editing, sameEditor(old, peer) && old !== undefined ? old : peer);
    }
    const previous = this.#editing;
    this.#editing = editing;
    for (const id of new Set([...previous.keys(), ...editing.keys()])) {
      const cell = this.#editors.get(id);
      const next = editing.get(id);
      if (cell !== undefined && !sameEditor(cell.current, next)) cell.current = next;
    }
  }

  destroy(): void {
    this.#sendPresence.cancel();
    for (const stop of this.#stops) stop();
    this.#undo?.destroy();
    this.#connection?.destroy();
    this.#connection = null;
    this.#index = null;
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

  /**
   * One editing session of a card's text is one undo step (joined to the card's creation when
   * the card was just added), however slowly it is typed.
   */
  #undoSession(editing: string | null): void {
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

  setEditing(editing: string | null): void {
    this.#undoSession(editing);
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

  /** Delete a stage (its cards go to Unplaced); returns what puts it back, for an Undo. */
  deleteStage(id: string): (() => void) | null {
    const doc = this.#doc();
    const saved = this.stages.find((stage) => stage.id === id);
    if (doc === null || saved === undefined) return null;
    this.#undo?.stopCapturing();
    content.deleteStage(doc, id, this.origin);
    return () => {
      const target = this.#doc();
      if (target !== null) content.restoreStage(target, saved, this.origin);
    };
  }

  addCard(kind: CardKind, stageId: string): string | null {
    const doc = this.#doc();
    if (doc === null) return null;
    // A new card, with the text typed into it next, is one undo step of its own.
    this.#undo?.stopCapturing();
    const person = this.person;
    const id = content.addCard(
      doc, kind, stageId, '', person?.name ?? '', this.origin, person?.participantId ?? '',
    );
    this.#added = id;
    return id;
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
