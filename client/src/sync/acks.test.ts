import * as decoding from 'lib0/decoding';
import * as syncProtocol from 'y-protocols/sync';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import {
  ACK_DEBOUNCE_MS,
  ACK_MAX_WAIT_MS,
  ACK_TIMEOUT_MS,
  AckTracker,
  encodeSyncStep1,
  isSyncStep2,
} from './acks';

describe('ack codec', () => {
  it('writes a sync step 1 the stock protocol reads', () => {
    const doc = new Y.Doc();
    doc.getText('t').insert(0, 'hello');
    const vector = Y.encodeStateVector(doc);
    const message = encodeSyncStep1(vector);
    expect(Array.from(message.slice(0, 3))).toEqual([0, 0, vector.length]);
    const decoder = decoding.createDecoder(message);
    expect(decoding.readVarUint(decoder)).toBe(0); // messageSync
    expect(decoding.readVarUint(decoder)).toBe(syncProtocol.messageYjsSyncStep1);
    expect(decoding.readVarUint8Array(decoder)).toEqual(vector);
  });

  it('writes long state vectors with a multi-byte length', () => {
    const vector = new Uint8Array(300).fill(7);
    const message = encodeSyncStep1(vector);
    expect(Array.from(message.slice(0, 4))).toEqual([0, 0, 0xac, 0x02]);
    expect(message.length).toBe(304);
  });

  it('tells a step 2 from an update and a step 1', () => {
    const body = (type: number): Uint8Array => new Uint8Array([0, type, 0]);
    expect(isSyncStep2(body(syncProtocol.messageYjsSyncStep2), 1)).toBe(true);
    expect(isSyncStep2(body(syncProtocol.messageYjsUpdate), 1)).toBe(false);
    expect(isSyncStep2(body(syncProtocol.messageYjsSyncStep1), 1)).toBe(false);
  });
});

describe('ack tracker', () => {
  it('asks once typing pauses and is confirmed by the answer', () => {
    const acks = new AckTracker();
    expect(acks.next(0, true)).toEqual({ action: 'idle' });
    acks.change(0);
    expect(acks.unsent).toBe(true);
    expect(acks.next(100, true)).toEqual({ action: 'wait', ms: ACK_DEBOUNCE_MS - 100 });
    expect(acks.next(ACK_DEBOUNCE_MS, true)).toEqual({ action: 'ask' });
    acks.asked(ACK_DEBOUNCE_MS);
    expect(acks.unsent).toBe(true);
    acks.answered();
    expect(acks.unsent).toBe(false);
    expect(acks.next(ACK_DEBOUNCE_MS + 1, true)).toEqual({ action: 'idle' });
  });

  it('asks at least every ACK_MAX_WAIT_MS while changes keep coming', () => {
    const acks = new AckTracker();
    for (let t = 0; t < ACK_MAX_WAIT_MS; t += 100) {
      acks.change(t);
      expect(acks.next(t, true).action).toBe('wait');
    }
    acks.change(ACK_MAX_WAIT_MS);
    expect(acks.next(ACK_MAX_WAIT_MS, true)).toEqual({ action: 'ask' });
  });

  it('does not count an answer for changes made after the question', () => {
    const acks = new AckTracker();
    acks.change(0);
    acks.asked(300);
    acks.change(310);
    expect(acks.next(1000, true).action).toBe('wait'); // one question at a time
    acks.answered();
    expect(acks.unsent).toBe(true);
    expect(acks.next(1000, true)).toEqual({ action: 'ask' });
    acks.asked(1000);
    acks.answered();
    expect(acks.unsent).toBe(false);
  });

  it('waits for a synced socket, and asks again on a new one', () => {
    const acks = new AckTracker();
    acks.change(0);
    expect(acks.next(5000, false)).toEqual({ action: 'idle' });
    acks.asked(5000);
    acks.reset(); // the socket closed before the answer
    expect(acks.unsent).toBe(true);
    expect(acks.next(6000, false)).toEqual({ action: 'idle' });
    expect(acks.next(6000, true)).toEqual({ action: 'ask' });
  });

  it('gives up on a socket whose answer never comes', () => {
    const acks = new AckTracker();
    acks.change(0);
    acks.asked(300);
    expect(acks.next(300 + ACK_TIMEOUT_MS - 1, true)).toEqual({ action: 'wait', ms: 1 });
    expect(acks.next(300 + ACK_TIMEOUT_MS, true)).toEqual({ action: 'reconnect' });
  });

  it('ignores an answer nobody asked for', () => {
    const acks = new AckTracker();
    acks.change(0);
    acks.answered();
    expect(acks.unsent).toBe(true);
  });
});
