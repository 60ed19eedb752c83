// Knowing when the server has our edits (pure, no DOM, no timers).
//
// The y-websocket protocol has no acknowledgement, but it has a question with an ordered answer:
// the server answers a sync step 1 (our state vector) with a sync step 2, and it handles a
// socket's messages in order and sends nothing before the store has committed what it applied
// (DESIGN.md, durability). So a step 1 sent after local edits is answered only once those edits
// are committed: that answer is the acknowledgement. The client asks at most one question at a
// time, a little after the typing stops (or every ACK_MAX_WAIT_MS while it goes on), and treats
// a question left unanswered for ACK_TIMEOUT_MS as a dead socket.

/** y-websocket message type of sync messages, and the sync sub-types (y-protocols/sync). */
const MESSAGE_SYNC = 0;
const SYNC_STEP1 = 0;
const SYNC_STEP2 = 1;

/** Ask this long after the last local change... */
export const ACK_DEBOUNCE_MS = 250;
/** ...but no later than this after the first unconfirmed one, while changes keep coming. */
export const ACK_MAX_WAIT_MS = 1_500;
/** An unanswered question after this long means the socket is dead: reconnect. */
export const ACK_TIMEOUT_MS = 10_000;

function writeVarUint(out: number[], value: number): void {
  let rest = value;
  while (rest > 0x7f) {
    out.push((rest & 0x7f) | 0x80);
    rest = Math.floor(rest / 128);
  }
  out.push(rest);
}

/** A y-websocket "sync step 1" message carrying `stateVector` (as `Y.encodeStateVector` makes). */
export function encodeSyncStep1(stateVector: Uint8Array): Uint8Array<ArrayBuffer> {
  const head: number[] = [];
  writeVarUint(head, MESSAGE_SYNC);
  writeVarUint(head, SYNC_STEP1);
  writeVarUint(head, stateVector.length);
  const message = new Uint8Array(head.length + stateVector.length);
  message.set(head, 0);
  message.set(stateVector, head.length);
  return message;
}

/**
 * True when the sync message body at `offset` (just after the message type) is a sync step 2.
 * The sub-type is a single-byte varint (0, 1 or 2).
 */
export function isSyncStep2(bytes: Uint8Array, offset: number): boolean {
  return bytes[offset] === SYNC_STEP2;
}

export type AckStep =
  | { readonly action: 'ask' }
  | { readonly action: 'reconnect' }
  | { readonly action: 'wait'; readonly ms: number }
  | { readonly action: 'idle' };

/**
 * Counts local changes and the questions asked about them. The caller feeds it events with a
 * monotonic clock and does what `next` says.
 */
export class AckTracker {
  #changes = 0;
  #confirmed = 0;
  #lastChangeAt = -Infinity;
  /** The first change no question covers yet, or null. */
  #waitingSince: number | null = null;
  /** The open questions, oldest first: how many changes each covers, and when it was asked. */
  #questions: Array<{ readonly changes: number; readonly askedAt: number }> = [];

  /** Local changes the server has not confirmed. */
  get unsent(): boolean {
    return this.#changes > this.#confirmed;
  }

  /** A local change was made (and handed to the provider). */
  change(now: number): void {
    this.#changes += 1;
    this.#lastChangeAt = now;
    this.#waitingSince ??= now;
  }

  /** A question went out on the socket. */
  asked(now: number): void {
    this.#questions.push({ changes: this.#changes, askedAt: now });
    this.#waitingSince = null;
  }

  /** A sync step 2 answered the oldest open question. */
  answered(): void {
    const question = this.#questions.shift();
    if (question !== undefined) this.#confirmed = Math.max(this.#confirmed, question.changes);
  }

  /** The socket closed: its open questions will never be answered. */
  reset(): void {
    this.#questions = [];
  }

  /** What to do at `now`, given whether the socket is open and synced. */
  next(now: number, synced: boolean): AckStep {
    const open = this.#questions[0];
    if (open !== undefined) {
      const waited = now - open.askedAt;
      return waited >= ACK_TIMEOUT_MS
        ? { action: 'reconnect' }
        : { action: 'wait', ms: ACK_TIMEOUT_MS - waited };
    }
    if (!synced || !this.unsent) return { action: 'idle' };
    const since = this.#waitingSince ?? this.#lastChangeAt;
    const due = Math.min(this.#lastChangeAt + ACK_DEBOUNCE_MS, since + ACK_MAX_WAIT_MS);
    return now >= due ? { action: 'ask' } : { action: 'wait', ms: due - now };
  }
}
