// Running work at animation frames, spaced apart, also in a hidden tab (DOM timing only).
import { coalesce } from '../state/presence';

/** At the next animation frame, or after `fallbackMs` when frames do not come (a hidden tab). */
export function nextFrame(callback: () => void, fallbackMs = 100): () => void {
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

/**
 * Runs `run` once for any number of requests, in an animation frame (see `nextFrame`) that
 * comes at least `gapMs` after the previous run began; `cancel` drops a pending run.
 */
export function spacedFrames(run: () => void, gapMs: number, now: () => number = () => performance.now()) {
  let lastRun = -Infinity;
  return coalesce(
    () => {
      lastRun = now();
      run();
    },
    (callback) => {
      let stop = nextFrame(function due() {
        if (now() - lastRun < gapMs) stop = nextFrame(due);
        else callback();
      });
      return () => stop();
    },
  );
}
