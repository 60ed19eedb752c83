// Connection status as the UI shows it, derived from provider events (pure, no DOM).

export type ConnectionStatus = 'connecting' | 'connected' | 'reconnecting' | 'offline';

/** Raw status values the stock WebsocketProvider emits. */
export type ProviderStatus = 'connecting' | 'connected' | 'disconnected';

/**
 * Next UI status after a provider status event.
 * `everConnected` distinguishes the first attempt from a reconnect; `stopped` is true once a
 * final close code (or a local disconnect) means no more attempts will be made.
 */
export function nextStatus(
  raw: ProviderStatus,
  everConnected: boolean,
  stopped: boolean,
): ConnectionStatus {
  if (stopped) return 'offline';
  if (raw === 'connected') return 'connected';
  return everConnected ? 'reconnecting' : 'connecting';
}

const SEVERITY: Record<ConnectionStatus, number> = {
  connected: 0,
  connecting: 1,
  reconnecting: 2,
  offline: 3,
};

/** The status of a board is that of its least healthy connection. */
export function combineStatus(...statuses: ConnectionStatus[]): ConnectionStatus {
  let worst: ConnectionStatus = 'connected';
  for (const status of statuses) {
    if (SEVERITY[status] > SEVERITY[worst]) worst = status;
  }
  return worst;
}
