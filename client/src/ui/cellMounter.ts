// The map's cells that have not mounted their cards yet, and the one IntersectionObserver that
// mounts each as it comes near the viewport (cellMounting.ts says why). One map per page, so
// one mounter: focusCard and printing reach it without a component in between.
import { flushSync } from 'svelte';
import { MOUNT_MARGIN } from './cellMounting';

interface Waiting {
  /** Mounts the cell's cards (sets the cell's state; the DOM follows at the next flush). */
  readonly mount: () => void;
  /** Whether the card `id` is one of the cell's. */
  readonly holds: (id: string) => boolean;
}

export class CellMounter {
  readonly #waiting = new Map<Element, Waiting>();
  #observer: IntersectionObserver | null = null;
  #root: HTMLElement | null = null;
  #firstScreen = false;

  /** Watch the cells against `root` (the map's scroller); returns the detach. */
  attach(root: HTMLElement): () => void {
    this.#root = root;
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
    };
  }

  /** A cell waiting to mount its cards; returns the unregister (when it mounted or went away). */
  wait(element: Element, waiting: Waiting): () => void {
    this.#waiting.set(element, waiting);
    this.#observer?.observe(element);
    return () => this.#forget(element);
  }

  /** Mount the cell that holds card `id` now, if it waits; true if it did. */
  mountCard(id: string): boolean {
    for (const [element, waiting] of this.#waiting) {
      if (!waiting.holds(id)) continue;
      this.#forget(element);
      waiting.mount();
      flushSync();
      return true;
    }
    return false;
  }

  /** Mount every waiting cell now (before printing). */
  mountAll(): void {
    const all = [...this.#waiting.entries()];
    for (const [element, waiting] of all) {
      this.#forget(element);
      waiting.mount();
    }
    flushSync();
  }

  #forget(element: Element): void {
    this.#waiting.delete(element);
    this.#observer?.unobserve(element);
  }

  #seen(entries: readonly IntersectionObserverEntry[]): void {
    let mounted = 0;
    for (const entry of entries) {
      const waiting = this.#waiting.get(entry.target);
      if (!entry.isIntersecting || waiting === undefined) continue;
      this.#forget(entry.target);
      waiting.mount();
      mounted += 1;
    }
    if (mounted === 0) return;
    flushSync();
    // The first screen's cards are in the DOM (benchmarks/browser_probe.js waits for this).
    if (!this.#firstScreen && this.#root !== null) {
      this.#firstScreen = true;
      this.#root.dataset.firstScreen = 'mounted';
    }
  }
}

/** The page's map's mounter. */
export const cellMounter = new CellMounter();
