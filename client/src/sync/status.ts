// Connection status as the UI shows it, derived from the sockets, the browser and unsent edits
// (pure, no DOM).
import type { MessageKey } from '../i18n/i18n.svelte';

export type ConnectionStatus = 'connecting' | 'synced' | 'saving' | 'reconnecting' | 'offline';

/** What one provider's socket is doing. */
export interface SocketState {
  /** The socket is open. */
  readonly connected: boolean;
  /** The server answered this socket's sync step 1: both sides have caught up. */
  readonly synced: boolean;
  /** A final close code stopped this provider for good. */
  readonly stopped: boolean;
}

export interface StatusInputs {
  /** What the browser last said (`navigator.onLine`, `online`/`offline` events). */
  readonly online: boolean;
  /** Every socket of the board (content and session). */
  readonly sockets: readonly SocketState[];
  /** The board was synced once since it connected (with this token). */
  readonly everSynced: boolean;
  /** There are local changes the server has not confirmed yet. */
  readonly unsent: boolean;
}

/**
 * One status for the board: a final close or a browser without network is `offline`; a socket
 * that is not open and synced is `connecting` the first time and `reconnecting` afterwards;
 * with every socket synced, unconfirmed local changes are `saving`, and otherwise `synced`.
 */
export function deriveStatus(inputs: StatusInputs): ConnectionStatus {
  if (inputs.sockets.some((socket) => socket.stopped)) return 'offline';
  if (!inputs.online) return 'offline';
  if (!inputs.sockets.every((socket) => socket.connected && socket.synced)) {
    return inputs.everSynced ? 'reconnecting' : 'connecting';
  }
  return inputs.unsent ? 'saving' : 'synced';
}

/** True when every socket is open and synced (the board has caught up once). */
export function allSynced(sockets: readonly SocketState[]): boolean {
  return sockets.every((socket) => socket.connected && socket.synced && !socket.stopped);
}

/** The pill's label (a catalogue key). */
export const STATUS_LABELS: Readonly<Record<ConnectionStatus, MessageKey>> = {
  connecting: 'status.connecting',
  synced: 'status.synced',
  saving: 'status.saving',
  reconnecting: 'status.reconnecting',
  offline: 'status.offline',
};

/** What the status pill explains on hover (and to screen readers). */
export const STATUS_DETAILS: Readonly<Record<ConnectionStatus, MessageKey>> = {
  connecting: 'status.connecting_detail',
  synced: 'status.synced_detail',
  saving: 'status.saving_detail',
  reconnecting: 'status.reconnecting_detail',
  offline: 'status.offline_detail',
};

export type BannerKind = 'offline' | 'reconnecting';

/**
 * Which banner the board shows: only once it was synced (a first connection is not an outage)
 * and never for a final close (the close message says why instead).
 */
export function bannerFor(
  status: ConnectionStatus,
  everSynced: boolean,
  final: boolean,
): BannerKind | null {
  if (!everSynced || final) return null;
  if (status === 'offline' || status === 'reconnecting') return status;
  return null;
}
