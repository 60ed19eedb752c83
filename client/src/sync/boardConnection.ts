// The two stock y-websocket providers of a board and their combined status.
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import { closeCodeFor, isFinalClose } from './closeCodes';
import { combineStatus, nextStatus, type ConnectionStatus, type ProviderStatus } from './status';

export interface SyncState {
  readonly status: ConnectionStatus;
  /** A message from the shared close-code table, when the server closed us with a known code. */
  readonly message: string | null;
  /** True once a final close code stopped the connection for good. */
  readonly final: boolean;
}

export interface BoardConnection {
  readonly content: Y.Doc;
  readonly session: Y.Doc;
  readonly contentProvider: WebsocketProvider;
  readonly sessionProvider: WebsocketProvider;
  /** Reconnect both providers with another token (e.g. a personal one after joining). */
  switchToken(token: string): void;
  destroy(): void;
}

/** `ws(s)://host/ws` for the page's own origin. */
export function syncServerUrl(location: Pick<Location, 'protocol' | 'host'>): string {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${location.host}/ws`;
}

interface Tracked {
  status: ConnectionStatus;
  message: string | null;
  final: boolean;
}

/** Follow one provider's events; `changed` runs after each change. */
function track(provider: WebsocketProvider, changed: () => void): Tracked {
  const tracked: Tracked = { status: 'connecting', message: null, final: false };
  let everConnected = false;
  let stopped = false;
  provider.on('status', ({ status }: { status: ProviderStatus }) => {
    if (status === 'connected') {
      everConnected = true;
      if (!stopped) tracked.message = null;
    }
    tracked.status = nextStatus(status, everConnected, stopped);
    changed();
  });
  provider.on('connection-close', (event: CloseEvent | null) => {
    if (event === null) return; // closed locally
    const entry = closeCodeFor(event.code);
    if (entry === undefined) return;
    tracked.message = entry.message;
    if (entry.final) {
      // Final codes mean reconnecting is pointless; the provider checks this flag before retrying.
      provider.shouldConnect = false;
      stopped = true;
      tracked.final = true;
      tracked.status = 'offline';
    }
    changed();
  });
  return tracked;
}

/**
 * Connect a board's content document (room `boardId`) and session document
 * (room `boardId/session`) to the sync server, both with `?token=`.
 */
export function connectBoard(
  boardId: string,
  token: string,
  onState: (state: SyncState) => void,
  serverUrl: string = syncServerUrl(window.location),
): BoardConnection {
  const content = new Y.Doc();
  const session = new Y.Doc();
  const options = {
    params: { token },
    // Every tab talks to the server only, so a refused or reverted edit never spreads sideways.
    disableBc: true,
    // Reconnect unless the shared table says the close is final (the stock default treats every
    // 44xx code as final, but e.g. SLOW_CONSUMER asks for a resync).
    shouldReconnect: (event: CloseEvent) => !isFinalClose(event.code),
  };
  const contentProvider = new WebsocketProvider(serverUrl, boardId, content, options);
  const sessionProvider = new WebsocketProvider(serverUrl, `${boardId}/session`, session, options);
  const report = (): void => {
    onState({
      status: combineStatus(contentState.status, sessionState.status),
      message: contentState.message ?? sessionState.message,
      final: contentState.final || sessionState.final,
    });
  };
  const contentState = track(contentProvider, report);
  const sessionState = track(sessionProvider, report);
  return {
    content,
    session,
    contentProvider,
    sessionProvider,
    switchToken(next: string) {
      for (const provider of [contentProvider, sessionProvider]) {
        provider.disconnect();
        provider.params = { token: next };
        provider.connect();
      }
    },
    destroy() {
      contentProvider.destroy();
      sessionProvider.destroy();
      content.destroy();
      session.destroy();
    },
  };
}
