import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { nextFrame, spacedFrames } from './frames';

/** Animation frames that come only when the test says so. */
let frames = new Map<number, FrameRequestCallback>();
let lastFrame = 0;

function runFrame(): void {
  const due = [...frames.values()];
  frames = new Map();
  for (const callback of due) callback(performance.now());
}

beforeEach(() => {
  vi.useFakeTimers();
  frames = new Map();
  vi.stubGlobal('requestAnimationFrame', (callback: FrameRequestCallback) => {
    lastFrame += 1;
    frames.set(lastFrame, callback);
    return lastFrame;
  });
  vi.stubGlobal('cancelAnimationFrame', (id: number) => frames.delete(id));
});

afterEach(() => {
  vi.unstubAllGlobals();
  vi.useRealTimers();
});

describe('next frame', () => {
  it('runs once at the next frame, and not again when the fallback time passes', () => {
    const run = vi.fn();
    nextFrame(run, 100);
    runFrame();
    expect(run).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(200);
    expect(run).toHaveBeenCalledTimes(1);
  });

  it('runs after the fallback time when frames do not come (a hidden tab), and once', () => {
    const run = vi.fn();
    nextFrame(run, 100);
    vi.advanceTimersByTime(99);
    expect(run).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(run).toHaveBeenCalledTimes(1);
    runFrame();
    expect(run).toHaveBeenCalledTimes(1);
  });

  it('runs never once stopped', () => {
    const run = vi.fn();
    nextFrame(run, 100)();
    runFrame();
    vi.advanceTimersByTime(200);
    expect(run).not.toHaveBeenCalled();
  });
});

describe('spaced frames', () => {
  it('runs once for many requests, and the next run comes a gap after the last', () => {
    let now = 1000;
    const run = vi.fn();
    const later = spacedFrames(run, 25, () => now);
    for (let i = 0; i < 50; i += 1) later.request();
    runFrame();
    expect(run).toHaveBeenCalledTimes(1);
    later.request();
    now += 16; // the next frame is too soon: it waits for the one after
    runFrame();
    expect(run).toHaveBeenCalledTimes(1);
    now += 16;
    runFrame();
    expect(run).toHaveBeenCalledTimes(2);
  });

  it('drops a pending run when cancelled', () => {
    const run = vi.fn();
    const later = spacedFrames(run, 25, () => 0);
    later.request();
    later.cancel();
    runFrame();
    vi.advanceTimersByTime(500);
    expect(run).not.toHaveBeenCalled();
  });
});
