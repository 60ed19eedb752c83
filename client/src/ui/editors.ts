// Who is editing which card, read from other people's presence (pure; see boardPresence).
import type { Peer } from '../state/presence';
import { watches } from '../state/session';

/** Who is editing a card: the fields of their presence that do not move with their cursor. */
export type Editor = Pick<Peer, 'clientId' | 'name' | 'role' | 'color'>;

export function sameEditor(a: Editor | undefined, b: Editor | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return a.clientId === b.clientId && a.name === b.name && a.role === b.role && a.color === b.color;
}

/**
 * Card id → who is editing it: the first non-viewer peer in `peers` order that says so. An
 * editor equal to the one in `previous` keeps its identity, so readers that compare by
 * identity skip it.
 */
export function editorsOf(peers: readonly Peer[], previous: ReadonlyMap<string, Editor>): Map<string, Editor> {
  const editing = new Map<string, Editor>();
  for (const peer of peers) {
    if (peer.editing === null || watches(peer.role) || editing.has(peer.editing)) continue;
    const old = previous.get(peer.editing);
    editing.set(peer.editing, sameEditor(old, peer) && old !== undefined ? old : peer);
  }
  return editing;
}
