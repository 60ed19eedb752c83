import { describe, expect, it } from 'vitest';
import { bannerFor, deriveStatus, type SocketState } from './status';

const up: SocketState = { connected: true, synced: true, stopped: false };
const opening: SocketState = { connected: true, synced: false, stopped: false };
const down: SocketState = { connected: false, synced: false, stopped: false };
const stopped: SocketState = { connected: false, synced: false, stopped: true };

const inputs = { online: true, sockets: [up, up], everSynced: true, unsent: false };

describe('connection status', () => {
  it('is synced only when every socket has caught up and nothing is unsent', () => {
    expect(deriveStatus(inputs)).toBe('synced');
    expect(deriveStatus({ ...inputs, unsent: true })).toBe('saving');
  });

  it('tells a first connection from a reconnect', () => {
    expect(deriveStatus({ ...inputs, sockets: [opening, up], everSynced: false })).toBe('connecting');
    expect(deriveStatus({ ...inputs, sockets: [up, down], everSynced: false })).toBe('connecting');
    expect(deriveStatus({ ...inputs, sockets: [up, down] })).toBe('reconnecting');
    // An open socket that has not synced yet is not "synced", even with nothing unsent.
    expect(deriveStatus({ ...inputs, sockets: [opening, up] })).toBe('reconnecting');
  });

  it('is offline as soon as the browser says so, whatever the sockets think', () => {
    expect(deriveStatus({ ...inputs, online: false })).toBe('offline');
    expect(deriveStatus({ ...inputs, online: false, unsent: true })).toBe('offline');
    expect(deriveStatus({ ...inputs, online: false, everSynced: false })).toBe('offline');
  });

  it('is offline for good after a final close on either socket', () => {
    expect(deriveStatus({ ...inputs, sockets: [up, stopped] })).toBe('offline');
    expect(deriveStatus({ ...inputs, sockets: [stopped, up], everSynced: false })).toBe('offline');
  });

  it('unsent changes while disconnected are an outage first, saving second', () => {
    expect(deriveStatus({ ...inputs, sockets: [down, up], unsent: true })).toBe('reconnecting');
  });
});

describe('offline banner', () => {
  it('shows only for an outage after the board was synced once', () => {
    expect(bannerFor('offline', true, false)).toBe('offline');
    expect(bannerFor('reconnecting', true, false)).toBe('reconnecting');
    expect(bannerFor('offline', false, false)).toBeNull();
    expect(bannerFor('reconnecting', false, false)).toBeNull();
    expect(bannerFor('synced', true, false)).toBeNull();
    expect(bannerFor('saving', true, false)).toBeNull();
  });

  it('leaves a final close to its own message', () => {
    expect(bannerFor('offline', true, true)).toBeNull();
  });
});
