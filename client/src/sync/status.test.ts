import { describe, expect, it } from 'vitest';
import { combineStatus, nextStatus } from './status';

describe('connection status', () => {
  it('tells a first attempt from a reconnect', () => {
    expect(nextStatus('connecting', false, false)).toBe('connecting');
    expect(nextStatus('connected', true, false)).toBe('connected');
    expect(nextStatus('disconnected', true, false)).toBe('reconnecting');
    expect(nextStatus('disconnected', true, true)).toBe('offline');
  });

  it('combines to the least healthy status', () => {
    expect(combineStatus('connected', 'connected')).toBe('connected');
    expect(combineStatus('connected', 'reconnecting')).toBe('reconnecting');
    expect(combineStatus('offline', 'connecting')).toBe('offline');
  });
});
