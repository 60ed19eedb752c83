// Who this page is on the board: the link's role, the joined person, their role in the session
// document (a promotion shows at once), what they may do, and the board's links.
import type * as Y from 'yjs';
import {
  ApiError,
  fetchBoard,
  fetchLinks,
  fetchMe,
  joinBoard,
  linkToken,
  removedMessage,
  type BoardLinks,
  type Me,
} from '../api/boards';
import {
  deviceId,
  loadLinks as loadSavedLinks,
  loadPerson,
  saveLinks,
  savePerson,
  type Person,
} from '../api/credentials';
import { isRole, parseSession, readSession, watches, type Role, type SessionView } from '../state/session';
import { uiLanguage } from '../i18n/i18n.svelte';

/** The session before anything was read: budget 0, lobby, no participants. */
export function emptySession(): SessionView {
  return parseSession({ board: {}, session: {}, participants: {}, votes: {}, ratings: {}, progress: {} });
}

export class BoardAccess {
  readonly boardId: string;
  readonly linkToken: string;

  linkRole = $state<Role>('viewer');
  /** How many journeys the workshop holds, as the look-up said (1 until it answers). */
  journeys = $state(1);
  person = $state.raw<Person | null>(null);
  me = $state.raw<Me | null>(null);
  links = $state.raw<BoardLinks | null>(null);
  session = $state.raw<SessionView>(emptySession());

  /** Whether a final close stopped the connection for good (nobody edits then). */
  readonly #final: () => boolean;
  /** Whether the links were asked for since this person became a facilitator. */
  #linksAsked = false;

  constructor(boardId: string, linkToken: string, final: () => boolean) {
    this.boardId = boardId;
    this.linkToken = linkToken;
    this.#final = final;
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
    if (watches(this.role) || this.#final() || this.waiting) return true;
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
    return this.role === 'facilitator' && !this.#final();
  }

  /** A participant or reviewer link that has not joined yet: read-only, not in presence. */
  get waiting(): boolean {
    return (this.linkRole === 'participant' || this.linkRole === 'reviewer') && this.person === null;
  }

  /** No editing at all: viewers and reviewers, a final close, or a lock for non-facilitators. */
  get readOnly(): boolean {
    return this.#readOnly;
  }

  /** Whether this browser keeps a personal token for this board (under any link role). */
  remembersSomeone(): boolean {
    return (['participant', 'facilitator', 'reviewer'] as const).some((role) => loadPerson(this.boardId, role) !== null);
  }

  /**
   * Look the link up (`GET /boards/{id}`): its role, and the session unless `keepSession` says
   * the socket already synced a newer one. Throws when the board cannot be opened.
   */
  async lookUp(keepSession: () => boolean): Promise<void> {
    const answer = await fetchBoard(this.boardId, this.linkToken);
    this.linkRole = isRole(answer.role) ? answer.role : 'viewer';
    this.journeys = answer.journeys;
    // The board's language decides only when the browser's languages did not; its catalogue (a
    // chunk of its own) is in before the board shows, so the board never paints in English first.
    await uiLanguage.setBoardLanguage(answer.language);
    if (!keepSession()) {
      this.session = parseSession({
        board: answer.session['board'],
        session: answer.session['session'],
        participants: answer.session['participants'],
        votes: answer.session['votes'],
        ratings: answer.session['ratings'],
        progress: answer.session['progress'],
        drafts: answer.session['drafts'],
        decisions: answer.session['decisions'],
        history: answer.session['history'],
      });
    }
  }

  /**
   * Reuse the personal token this browser remembers for the link's role, if the server still
   * knows it. Returns the message to show when this person was removed, else null.
   */
  async recall(): Promise<string | null> {
    const remembered = loadPerson(this.boardId, this.linkRole);
    if (remembered === null) return null;
    try {
      this.me = await fetchMe(this.boardId, remembered.token);
      this.person = remembered;
    } catch (caught: unknown) {
      // Removed: say so, and keep the token so this browser keeps saying so.
      if (caught instanceof ApiError && caught.status === 403) return removedMessage();
      if (caught instanceof ApiError && caught.status >= 400 && caught.status < 500) {
        savePerson(this.boardId, this.linkRole, null);
      } else {
        this.person = remembered;
      }
    }
    return null;
  }

  /** Join with the link and remember the personal token; returns the new person. */
  async join(name: string, department: string): Promise<Person> {
    const answer = await joinBoard(this.boardId, this.linkToken, name, department, deviceId());
    const person = { token: answer.token, participantId: answer.participantId, name };
    savePerson(this.boardId, this.linkRole, person);
    this.person = person;
    return person;
  }

  async refreshMe(): Promise<void> {
    if (this.person === null) return;
    try {
      this.me = await fetchMe(this.boardId, this.person.token);
    } catch {
      // Shown again on the next successful refresh.
    }
  }

  /** Read the session document again, and follow what a change means for this person. */
  readSession(doc: Y.Doc): void {
    const budget = this.session.votesPerPerson;
    this.session = readSession(doc);
    // A new vote budget changes what is left: ask again rather than wait for a reload
    // (0 is a document not synced yet, not a budget).
    const next = this.session.votesPerPerson;
    if (budget !== 0 && next !== 0 && next !== budget) void this.refreshMe();
    if (this.role !== 'facilitator') this.#linksAsked = false;
    else if (!this.#linksAsked) void this.loadLinks(); // promoted: now they may see the links
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

  /** The links this browser saved for the board, for a facilitator link (before any fetch). */
  recallLinks(): void {
    if (this.linkRole === 'facilitator') this.links = loadSavedLinks(this.boardId);
  }

  /**
   * Keep the facilitator link a removal rotated (see `rotatedFacilitatorLink`). A page opened
   * with the old facilitator link moves to the new one: with a personal token only its
   * address changes (so that the next visit opens); without one it reopens with the new link,
   * because the server closed the sockets of the old one. Returns whether the page reopens.
   */
  adoptFacilitatorLink(link: string): boolean {
    const links = this.links ?? { facilitator: '', participant: '', viewer: '', reviewer: '' };
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
}
