// Short messages at the bottom of the board ("Card deleted · Undo", "Now: Pain points").
export interface Toast {
  readonly id: number;
  readonly text: string;
  readonly action: { readonly label: string; readonly run: () => void } | null;
}

export class Toasts {
  items = $state.raw<Toast[]>([]);
  #next = 1;
  #timers = new Map<number, ReturnType<typeof setTimeout>>();

  /** Show a toast for `ms` (an action keeps it a little longer); returns its id. */
  show(text: string, action: Toast['action'] = null, ms = action === null ? 4000 : 7000): number {
    const id = this.#next++;
    this.items = [...this.items.slice(-2), { id, text, action }];
    this.#timers.set(id, setTimeout(() => this.dismiss(id), ms));
    return id;
  }

  dismiss(id: number): void {
    clearTimeout(this.#timers.get(id));
    this.#timers.delete(id);
    this.items = this.items.filter((toast) => toast.id !== id);
  }

  clear(): void {
    for (const timer of this.#timers.values()) clearTimeout(timer);
    this.#timers.clear();
    this.items = [];
  }
}
