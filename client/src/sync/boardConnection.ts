// The two stock y-websocket providers of a board and the one status they add up to.
import { WebsocketProvider, messageSync } from 'y-websocket';
import * as Y from 'yjs';
import { AckTracker, encodeSyncStep1, isSyncStep2 } from './acks';
import { closeCodeFor, isFinalClose, type CloseName } from './closeCodes';
import { allSynced, deriveStatus, type ConnectionStatus, type SocketState } from './status';

export interface SyncState {
  readonly status: ConnectionStatus;
  /** A message from the shared close-code table, when the server closed us with a known code. */
  readonly message: string | null;
  /** The close code's name that `message` comes from (the UI words it in its language). */
  readonly close: CloseName | null;
  /** True once a final close code stopped the connection for good. */
  readonly final: boolean;
  /** The board was synced once since it connected (with this token). */
  readonly everSynced: boolean;
}

export const INITIAL_SYNC: SyncState = {
  status: 'connecting',
  message: null,
  close: null,
  final: false,
  everSynced: false,
};

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

interface Watched extends SocketState {
  connected: boolean;
  synced: boolean;
  stopped: boolean;
  message: string | null;
  close: CloseName | null;
}

/** Follow one provider's socket; `changed` runs after each change. */
function watch(provider: WebsocketProvider, changed: () => void): Watched {
  const state: Watched = { connected: false, synced: false, stopped: false, message: null, close: null };
  provider.on('status', ({ status }) => {
    state.connected = status === 'connected';
    if (!state.connected) state.synced = false;
    changed();
  });
  provider.on('sync', (synced: boolean) => {
    state.synced = synced && state.connected;
    if (state.synced && !state.stopped) {
      state.message = null;
      state.close = null;
    }
    changed();
  });
  provider.on('connection-close', (event: CloseEvent | null) => {
    state.connected = false;
    state.synced = false;
    const entry = event === null ? undefined : closeCodeFor(event.code); // null: closed locally
    if (entry !== undefined) {
      state.message = entry.message;
      state.close = entry.name;
      if (entry.final) {
        // Final codes mean reconnecting is pointless; the provider checks this flag before retrying.
        provider.shouldConnect = false;
        state.stopped = true;
      }
    }
    changed();
  });
  return state;
}

/**
 * Connect a board's content document (room `boardId`) and session document
 * (room `boardId/session`) to the sync server, both with `?token=`.
 *
 * The status follows the browser's `online`/`offline` events (going offline closes both sockets
 * at once, so no edit is sent into a socket that leads nowhere; coming back reconnects at once
 * and the sync handshake sends what was edited meanwhile), the sockets, and the content
 * document's local changes until the server confirms them (see acks.ts).
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
  const providers = [contentProvider, sessionProvider];
  const acks = new AckTracker();
  let online = navigator.onLine;
  let everSynced = false;
  let last: SyncState | null = null;
  let ackTimer: ReturnType<typeof setTimeout> | null = null;

  const report = (): void => {
    const sockets = [contentState, sessionState];
    if (allSynced(sockets) && online) everSynced = true;
    const next: SyncState = {
      status: deriveStatus({ online, sockets, everSynced, unsent: acks.unsent }),
      message: contentState.message ?? sessionState.message,
      close: contentState.message === null ? sessionState.close : contentState.close,
      final: contentState.stopped || sessionState.stopped,
      everSynced,
    };
    if (
      last !== null &&
      last.status === next.status &&
      last.message === next.message &&
      last.close === next.close &&
      last.final === next.final &&
      last.everSynced === next.everSynced
    ) {
      return;
    }
    last = next;
    onState(next);
  };

  /** Ask the server about unconfirmed edits when it is time to (see acks.ts). */
  const pump = (): void => {
    if (ackTimer !== null) clearTimeout(ackTimer);
    ackTimer = null;
    const now = performance.now();
    const step = acks.next(now, online && contentState.connected && contentState.synced);
    if (step.action === 'ask') {
      const ws = contentProvider.ws;
      if (ws === null || ws.readyState !== ws.OPEN) return;
      ws.send(encodeSyncStep1(Y.encodeStateVector(content)));
      acks.asked(now);
      pump(); // schedules the timeout
    } else if (step.action === 'reconnect') {
      acks.reset();
      contentProvider.disconnect();
      if (online && !contentState.stopped) contentProvider.connect();
    } else if (step.action === 'wait') {
      ackTimer = setTimeout(pump, step.ms);
    }
  };

  const changed = (): void => {
    report();
    pump();
  };
  // Registered first: a closed socket's questions are gone before anything looks at them.
  contentProvider.on('connection-close', () => acks.reset());
  const contentState = watch(contentProvider, changed);
  const sessionState = watch(sessionProvider, changed);

  // A sync step 2 on a socket that is already synced answers our oldest question.
  const handleSync = contentProvider.messageHandlers[messageSync];
  if (handleSync !== undefined) {
    contentProvider.messageHandlers[messageSync] = (encoder, decoder, provider, emit, type) => {
      const answer = provider.synced && isSyncStep2(decoder.arr, decoder.pos);
      handleSync(encoder, decoder, provider, emit, type);
      if (answer) {
        acks.answered();
        changed();
      }
    };
  }
  const onUpdate = (_update: Uint8Array, origin: unknown): void => {
    if (origin === contentProvider) return; // applied from the server
    acks.change(performance.now());
    changed();
  };
  content.on('update', onUpdate);

  const onOnline = (): void => {
    online = true;
    for (const provider of providers) {
      const stopped = provider === contentProvider ? contentState.stopped : sessionState.stopped;
      if (!stopped) provider.connect();
    }
    changed();
  };
  const onOffline = (): void => {
    online = false;
    for (const provider of providers) provider.disconnect();
    changed();
  };
  window.addEventListener('online', onOnline);
  window.addEventListener('offline', onOffline);
  if (!online) onOffline();

  return {
    content,
    session,
    contentProvider,
    sessionProvider,
    switchToken(next: string) {
      everSynced = false; // a deliberate reconnect, not an outage
      for (const provider of providers) {
        provider.disconnect();
        provider.params = { token: next };
        if (online) provider.connect();
      }
      changed();
    },
    destroy() {
      window.removeEventListener('online', onOnline);
      window.removeEventListener('offline', onOffline);
      if (ackTimer !== null) clearTimeout(ackTimer);
      content.off('update', onUpdate);
      contentProvider.destroy();
      sessionProvider.destroy();
      content.destroy();
      session.destroy();
    },
  };
}
