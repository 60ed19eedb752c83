// The placeholders of cards not mounted yet, and the one IntersectionObserver that mounts the
// cards of a cell that fill the viewport and its margin as the placeholder comes near
// (cellMounting.ts says why). The first screen comes first: until its cards are in, a
// placeholder that is only in the margin waits, and cards mount only down to the viewport's
// bottom; once they are in, an idle callback lets the margin's cards follow. One map per page,
// so one mounter: focusCard and printing reach it without a component in between.
import { flushSync } from 'svelte';
import { MOUNT_MARGIN } from './cellMounting';

interface Waiting {
  /**
   * Mounts the cell's next cards that fill `budget` CSS px at zoom 1 (Infinity: all); the DOM
   * follows at the next flush.
   */
  readonly mount: (budget: number) => void;
  /** Whether the card `id` is one of those not mounted yet. */
  readonly holds: (id: string) => boolean;
}

export class CellMounter {
  readonly #waiting = new Map<Element, Waiting>();
  #observer: IntersectionObserver | null = null;
  #root: HTMLElement | null = null;
  #zoom: () => number = () => 1;
  #firstScreen = false;
  #mountedAny = false;

  /** Watch the placeholders against `root` (the map's scroller); returns the detach. */
  attach(root: HTMLElement, zoom: () => number): () => void {
    this.#root = root;
    this.#zoom = zoom;
    this.#observer = new IntersectionObserver((entries) => this.#seen(entries), {
      root,
      rootMargin: MOUNT_MARGIN,
    });
    for (const element of this.#waiting.keys()) this.#observer.observe(element);
    const print = (): void => this.mountAll();
    window.addEventListener('beforeprint', print);
    return () => {
      window.removeEventListener('beforeprint', print);
      this.#observer?.disconnect();
      this.#observer = null;
      this.#root = null;
      this.#firstScreen = false;
      this.#mountedAny = false;
    };
  }

  /**
   * A placeholder of cards not mounted yet; returns the unregister. A cell registers its
   * placeholder again after each mount, which gets it a fresh report from the observer.
   */
  wait(element: Element, waiting: Waiting): () => void {
    this.#waiting.set(element, waiting);
    this.#observer?.observe(element);
    return () => this.#forget(element);
  }

  /** Mount the rest of the cell that holds card `id`, if it is not mounted; true if so. */
  mountCard(id: string): boolean {
    for (const [element, waiting] of this.#waiting) {
      if (!waiting.holds(id)) continue;
      this.#forget(element);
      waiting.mount(Infinity);
      flushSync();
      return true;
    }
    return false;
  }

  /** Mount every card now (before printing). */
  mountAll(): void {
    const all = [...this.#waiting.entries()];
    for (const [element, waiting] of all) {
      this.#forget(element);
      waiting.mount(Infinity);
    }
    flushSync();
  }

  #forget(element: Element): void {
    this.#waiting.delete(element);
    this.#observer?.unobserve(element);
  }

  #seen(entries: readonly IntersectionObserverEntry[]): void {
    const root = this.#root;
    if (root === null) return;
    const view = root.getBoundingClientRect();
    const zoom = this.#zoom();
    let mounted = 0;
    for (const entry of entries) {
      const waiting = this.#waiting.get(entry.target);
      if (!entry.isIntersecting || waiting === undefined) continue;
      const box = entry.boundingClientRect;
      const onScreen = overlaps(box, view);
      // Before the first screen is in, what is only in the margin waits for the idle callback.
      if (!this.#firstScreen && !onScreen) continue;
      const edge = this.#firstScreen ? (entry.rootBounds?.bottom ?? view.bottom) : view.bottom;
      this.#forget(entry.target);
      waiting.mount((edge - box.top) / zoom);
      mounted += 1;
    }
    if (mounted > 0) {
      flushSync();
      this.#mountedAny = true;
      // A report in the next frame even when no placeholder is left to report: the map's own.
      const map = root.firstElementChild;
      if (!this.#firstScreen && map !== null && this.#observer !== null) {
        this.#observer.unobserve(map);
        this.#observer.observe(map);
      }
    } else if (!this.#firstScreen && this.#mountedAny) {
      // The placeholders the last mounts moved (and the map) report again once laid out: none
      // is on screen any more, so every card of the first screen is in the DOM (benchmarks/browser_probe.js
      // waits for this). Asking the layout right after the mount would force it early.
      this.#firstScreen = true;
      root.dataset.firstScreen = 'mounted';
      afterPaint(() => this.#reportAgain());
    }
  }

  /** Ask the observer about every placeholder again (the margin's, left for after the first screen). */
  #reportAgain(): void {
    const observer = this.#observer;
    if (observer === null) return;
    for (const element of this.#waiting.keys()) {
      observer.unobserve(element);
      observer.observe(element);
    }
  }
}

function overlaps(box: DOMRectReadOnly, view: DOMRectReadOnly): boolean {
  return box.bottom > view.top && box.top < view.bottom && box.right > view.left && box.left < view.right;
}

/** Run `then` once the page is idle after the next paint (or after a second at the latest). */
function afterPaint(then: () => void): void {
  requestAnimationFrame(() => {
    if (typeof requestIdleCallback === 'function') requestIdleCallback(then, { timeout: 1000 });
    else setTimeout(then, 0);
  });
}

/** The page's map's mounter. */
export const cellMounter = new CellMounter();
