import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiError, removedMessage, joinRefusal } from './boards';
import { deviceId } from './credentials';
import { memoryStorage } from './memoryStorage';


afterEach(() => {
  vi.unstubAllGlobals();
});

describe('joining', () => {
  it('says plainly that a removed person cannot join again', () => {
    const removed = new ApiError(403, 'removed', 'You were removed from this board by a facilitator');
    expect(joinRefusal(removed)).toBe(removedMessage());
    expect(removedMessage()).toMatch(/removed you from this board/);
    expect(removedMessage()).toMatch(/cannot join it again/);
  });

  it('shows other refusals as the server words them', () => {
    expect(joinRefusal(new ApiError(409, 'board_full', 'This board is full.'))).toBe('This board is full.');
    expect(joinRefusal('odd')).toBe('Could not join.');
  });

  it('keeps one device id per browser, in the form the server accepts', () => {
    vi.stubGlobal('window', { localStorage: memoryStorage() });
    const first = deviceId();
    expect(first).toMatch(/^[A-Za-z0-9_-]{16,64}$/);
    expect(deviceId()).toBe(first);
    window.localStorage.setItem('journeyboard:device', JSON.stringify('not valid!'));
    const replaced = deviceId();
    expect(replaced).not.toBe(first);
    expect(replaced).toMatch(/^[0-9a-f]{32}$/);
  });

  it('still joins where storage is refused', () => {
    vi.stubGlobal('window', {});
    expect(deviceId()).toMatch(/^[0-9a-f]{32}$/);
  });
});
