import { describe, expect, it } from 'vitest';
import type { TimerState } from './session';
import { ALERT_WINDOW_MS, DONE_SHOWN_MS, shouldAlert, timerLook, timerShown } from './timer';

const running = (endsAtMs: number): TimerState => ({ running: true, endsAtMs, remainingMs: null });
const paused: TimerState = { running: false, endsAtMs: null, remainingMs: 90_000 };

describe('timer alert', () => {
  const loaded = 1_000_000;

  it('alerts once when the timer runs out while the page is open', () => {
    const timer = running(loaded + 60_000);
    expect(shouldAlert(timer, loaded + 59_999, loaded, null)).toBe(false);
    expect(shouldAlert(timer, loaded + 60_000, loaded, null)).toBe(true);
    expect(shouldAlert(timer, loaded + 60_250, loaded, loaded + 60_000)).toBe(false);
  });

  it('never alerts on page load for a timer that had already run out', () => {
    const timer = running(loaded - 5_000);
    expect(shouldAlert(timer, loaded + 100, loaded, null)).toBe(false);
    expect(shouldAlert(timer, loaded + 10_000, loaded, null)).toBe(false);
  });

  it('alerts again for a new end (extended or restarted)', () => {
    const first = loaded + 60_000;
    const extended = running(first + 60_000);
    expect(shouldAlert(extended, first + 60_000, loaded, first)).toBe(true);
  });

  it('stays quiet for an end noticed long after (a tab asleep in the background)', () => {
    const end = loaded + 60_000;
    expect(shouldAlert(running(end), end + ALERT_WINDOW_MS, loaded, null)).toBe(true);
    expect(shouldAlert(running(end), end + ALERT_WINDOW_MS + 1, loaded, null)).toBe(false);
  });

  it('does not alert for a paused or stopped timer', () => {
    expect(shouldAlert(paused, loaded + 1e9, loaded, null)).toBe(false);
    const stopped: TimerState = { running: false, endsAtMs: null, remainingMs: null };
    expect(shouldAlert(stopped, loaded + 1e9, loaded, null)).toBe(false);
  });
});

describe('timer look', () => {
  it('turns amber for the last 30 s and says when it is done', () => {
    const timer = running(0);
    expect(timerLook(timer, 31_000)).toBe('running');
    expect(timerLook(timer, 30_000)).toBe('ending');
    expect(timerLook(timer, 1)).toBe('ending');
    expect(timerLook(timer, 0)).toBe('done');
    expect(timerLook(paused, 10_000)).toBe('paused');
  });
});

describe("time's up", () => {
  const ended: TimerState = { running: true, endsAtMs: 100_000, remainingMs: null };

  it('shows for a minute after the end, then clears by itself', () => {
    expect(timerShown(ended, 100_000 + 1_000)).toBe(true);
    expect(timerShown(ended, 100_000 + DONE_SHOWN_MS)).toBe(true);
    expect(timerShown(ended, 100_000 + DONE_SHOWN_MS + 1)).toBe(false);
  });

  it('keeps running and paused timers', () => {
    expect(timerShown({ running: true, endsAtMs: 200_000, remainingMs: null }, 150_000)).toBe(true);
    expect(timerShown({ running: false, endsAtMs: null, remainingMs: 5_000 }, 10_000_000)).toBe(true);
  });
});
