// Presence on the board: other people's (peers, who edits which card) and this tab's own
// (cursor, card being edited, view), published through the content socket's awareness.
import type { WebsocketProvider } from 'y-websocket';
import { compareText, t } from '../i18n/i18n.svelte';
import { readPeers, throttle, type Cursor, type LocalPresence, type Peer, type View } from '../state/presence';
import { editorsOf, sameEditor, type Editor } from './editors';
import { spacedFrames } from './frames';

/** The least time between two readings of other people's presence (every other 60 Hz frame). */
const PEERS_GAP_MS = 25;

/** The least time between two cursor or view publications (10 Hz per person). */
const SEND_GAP_MS = 50;

/** The presence channel of the content socket (y-protocols' Awareness). */
type Awareness = WebsocketProvider['awareness'];

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

export class BoardPresence {
  peers = $state.raw<Peer[]>([]);

  /** Whether this tab keeps its presence to itself (a participant link that has not joined). */
  readonly #hidden: () => boolean;
  #awareness: Awareness | null = null;
  /** Card id → who is editing it (the first such non-viewer peer in `peers` order). */
  #editing = new Map<string, Editor>();
  #editors = new Map<string, EditorCell>();
  #local: LocalPresence = { cursor: null, editing: null, view: null };
  #send = throttle<LocalPresence>(SEND_GAP_MS, (state) => this.#publish(state), () => performance.now());

  constructor(hidden: () => boolean) {
    this.#hidden = hidden;
  }

  /**
   * Read and publish presence on `awareness` from now on; `announce`: publish this tab's own
   * at once (false while the look-up has not said who this is yet). Returns what stops
   * reading it; call `refresh` for the first reading.
   */
  attach(awareness: Awareness, announce: boolean): Array<() => void> {
    this.#awareness = awareness;
    // Thirty people moving their cursors send hundreds of presence changes a second; peers are
    // read at most once per PEERS_GAP_MS, in an animation frame (or after 100 ms, when the tab
    // is hidden and frames do not come). Every frame that moves a pointer costs the browser a
    // paint and a re-layerization of the page (about 10 ms on a 2,000-card board), so moving
    // them every other frame (30 Hz; each person sends 10 Hz) keeps the page at full rate.
    const later = spacedFrames(() => this.#read(awareness), PEERS_GAP_MS);
    awareness.setLocalState(this.#hidden() || !announce ? null : { ...this.#local });
    awareness.on('change', later.request);
    return [() => awareness.off('change', later.request), later.cancel];
  }

  /** Forget the awareness (its listener is removed by what `attach` returned). */
  detach(): void {
    this.#awareness = null;
  }

  /** Read other people's presence now. */
  refresh(): void {
    if (this.#awareness !== null) this.#read(this.#awareness);
  }

  /** Publish this tab's presence now (after the look-up or a join said who this is). */
  announce(): void {
    this.#publish(this.#local);
  }

  /** Stop a publication that is waiting for its turn. */
  cancel(): void {
    this.#send.cancel();
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

  setCursor(cursor: Cursor | null): void {
    this.#local = { ...this.#local, cursor };
    this.#send.push(this.#local);
  }

  setEditing(editing: string | null): void {
    this.#local = { ...this.#local, editing };
    this.#publish(this.#local);
  }

  setView(view: View | null): void {
    this.#local = { ...this.#local, view };
    this.#send.push(this.#local);
  }

  #publish(state: LocalPresence): void {
    if (this.#hidden()) return;
    this.#awareness?.setLocalState({ ...state });
  }

  #read(awareness: Awareness): void {
    this.peers = readPeers(awareness.getStates(), awareness.clientID, t('presence.guest'), compareText);
    const previous = this.#editing;
    const editing = editorsOf(this.peers, previous);
    this.#editing = editing;
    for (const id of new Set([...previous.keys(), ...editing.keys()])) {
      const cell = this.#editors.get(id);
      const next = editing.get(id);
      if (cell !== undefined && !sameEditor(cell.current, next)) cell.current = next;
    }
  }
}
