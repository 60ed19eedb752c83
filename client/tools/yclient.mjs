#!/usr/bin/env node
// Drive the stock y-websocket WebsocketProvider from a test-suite, one JSON line at a time.
//
// Usage: node client/tools/yclient.mjs <serverUrl, e.g. ws://127.0.0.1:PORT/ws> <room> <token>
//
// stdin: one JSON command per line (set, text, delete, wait, dump, awareness, offline, online,
// pending, client, quit); replies and events
// are JSON lines on stdout. A command's optional "id" is echoed in its reply. Commands run one
// after another, in order. Closing stdin ends the process like "quit".
import { createInterface } from 'node:readline';
import { WebSocket as NodeWebSocket } from 'ws';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';

/** @typedef {{ [key: string]: unknown }} JsonObject  a parsed JSON object */

const [serverUrl, room, token] = process.argv.slice(2);
if (serverUrl === undefined || room === undefined || token === undefined) {
  process.stderr.write('usage: node yclient.mjs <serverUrl> <room> <token>\n');
  process.exit(2);
}

/** @param {JsonObject} message */
function emit(message) {
  // Writes to a pipe are synchronous on Linux, so each line is flushed as it is written.
  process.stdout.write(JSON.stringify(message) + '\n');
}

const doc = new Y.Doc();
const provider = new WebsocketProvider(serverUrl, room, doc, {
  params: { token },
  // `ws` implements the WebSocket API the provider needs; the DOM type is what it declares.
  WebSocketPolyfill: /** @type {typeof WebSocket} */ (/** @type {unknown} */ (NodeWebSocket)),
  disableBc: true,
  // Connect only once the listeners below are attached, so the first "connecting" is reported.
  connect: false,
});

provider.on('status', ({ status }) => emit({ event: 'status', status }));
let syncedOnce = false;
provider.on('sync', (synced) => {
  if (synced && !syncedOnce) {
    syncedOnce = true;
    emit({ event: 'synced' });
  }
});
provider.on('connection-close', (event) => {
  if (event !== null) emit({ event: 'close', code: event.code, reason: event.reason });
});
// The provider gave up reconnecting (stock rule: 44xx close codes are final).
provider.on('closed', ({ code, reason }) => emit({ event: 'closed', code, reason }));
provider.awareness.on('change', () => {
  /** @type {JsonObject} */
  const states = {};
  provider.awareness.getStates().forEach((state, clientId) => {
    states[String(clientId)] = state;
  });
  emit({ event: 'awareness', states, self: doc.clientID });
});

/**
 * Plain JSON of a value read from a Y.Map.
 * @param {unknown} value
 * @returns {unknown}
 */
function toJson(value) {
  return value instanceof Y.AbstractType ? value.toJSON() : value;
}

/**
 * Deep JSON equality (object key order does not matter).
 * @param {unknown} a
 * @param {unknown} b
 * @returns {boolean}
 */
function jsonEqual(a, b) {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((item, i) => jsonEqual(item, b[i]));
  }
  if (typeof a === 'object' && a !== null && typeof b === 'object' && b !== null) {
    if (Array.isArray(a) || Array.isArray(b)) return false;
    const ra = /** @type {Record<string, unknown>} */ (a);
    const rb = /** @type {Record<string, unknown>} */ (b);
    const keys = Object.keys(ra);
    return (
      keys.length === Object.keys(rb).length &&
      keys.every((key) => Object.hasOwn(rb, key) && jsonEqual(ra[key], rb[key]))
    );
  }
  return false;
}

/**
 * @param {JsonObject} cmd
 * @param {string} field
 * @returns {string}
 */
function stringArg(cmd, field) {
  const value = cmd[field];
  if (typeof value !== 'string') throw new Error(`"${field}" must be a string`);
  return value;
}

/**
 * Resolve when root map `name` has `key` equal to `expected`, or after `timeoutMs`.
 * @param {string} name
 * @param {string} key
 * @param {unknown} expected
 * @param {number} timeoutMs
 * @returns {Promise<boolean>}
 */
function waitFor(name, key, expected, timeoutMs) {
  const map = doc.getMap(name);
  const matches = () => map.has(key) && jsonEqual(toJson(map.get(key)), expected);
  if (matches()) return Promise.resolve(true);
  return new Promise((resolve) => {
    const check = () => {
      if (matches()) finish(true);
    };
    const timer = setTimeout(() => finish(false), timeoutMs);
    /** @param {boolean} result */
    const finish = (result) => {
      clearTimeout(timer);
      map.unobserveDeep(check);
      resolve(result);
    };
    map.observeDeep(check);
  });
}

/**
 * JSON of the named roots (default: every root the document knows).
 * @param {unknown} maps
 * @returns {JsonObject}
 */
function dump(maps) {
  const names = Array.isArray(maps)
    ? maps.filter((name) => typeof name === 'string')
    : Array.from(doc.share.keys());
  /** @type {JsonObject} */
  const state = {};
  for (const name of names) {
    let value;
    try {
      value = doc.getMap(name).toJSON();
    } catch {
      value = doc.share.get(name)?.toJSON(); // a root of another type
    }
    state[name] = value ?? null;
  }
  return state;
}

let quitting = false;

async function quit() {
  if (quitting) return;
  quitting = true;
  const socket = provider.ws;
  provider.destroy();
  // Let the close frame go out before exiting, but never hang on it.
  if (socket !== null && socket.readyState !== socket.CLOSED) {
    await new Promise((resolve) => {
      const timer = setTimeout(resolve, 1000);
      socket.addEventListener('close', () => {
        clearTimeout(timer);
        resolve(undefined);
      });
    });
  }
  process.exit(0);
}

/**
 * Run one command and return its reply.
 * @param {JsonObject} cmd
 * @returns {Promise<JsonObject>}
 */
async function run(cmd) {
  switch (cmd['cmd']) {
    case 'set': {
      const value = cmd['value'];
      if (value === undefined) throw new Error('"value" is required');
      doc.getMap(stringArg(cmd, 'map')).set(stringArg(cmd, 'key'), value);
      return { ok: 'set' };
    }
    case 'text': {
      const key = stringArg(cmd, 'key');
      const text = stringArg(cmd, 'text');
      doc.transact(() => {
        const card = new Y.Map();
        doc.getMap('cards').set(key, card);
        card.set('kind', 'note');
        card.set('text', new Y.Text(text));
      });
      return { ok: 'text' };
    }
    case 'paste': {
      // One transaction per card, all in one turn of the event loop: the provider sends
      // them back to back, as a paste made card by card does.
      const count = cmd['count'];
      if (typeof count !== 'number') throw new Error('"count" is required');
      const prefix = stringArg(cmd, 'prefix');
      for (let i = 0; i < count; i += 1) {
        doc.transact(() => {
          const card = new Y.Map();
          doc.getMap('cards').set(`${prefix}${i}`, card);
          card.set('kind', 'note');
          card.set('text', new Y.Text(`idea ${i}`));
        });
      }
      return { ok: 'paste' };
    }
    case 'wait': {
      const timeout = cmd['timeout_ms'];
      const expected = cmd['value'] ?? null;
      const ok = await waitFor(
        stringArg(cmd, 'map'),
        stringArg(cmd, 'key'),
        expected,
        typeof timeout === 'number' ? timeout : 5000,
      );
      return ok ? { ok: 'wait' } : { error: 'timeout' };
    }
    case 'dump':
      return { ok: 'dump', state: dump(cmd['maps']) };
    case 'awareness':
      provider.awareness.setLocalState(cmd['state'] ?? null);
      return { ok: 'awareness' };
    case 'delete':
      doc.getMap(stringArg(cmd, 'map')).delete(stringArg(cmd, 'key'));
      return { ok: 'delete' };
    case 'offline':
      // What a browser does when the network goes: the socket closes, edits stay local.
      provider.disconnect();
      return { ok: 'offline' };
    case 'online':
      provider.connect();
      return { ok: 'online' };
    case 'pending':
      // Structs (or deletes) received but waiting for a dependency, as yjs keeps them.
      return {
        ok: 'pending',
        structs: doc.store.pendingStructs !== null,
        deletes: doc.store.pendingDs !== null,
      };
    case 'client':
      return {
        ok: 'client',
        client: doc.clientID,
        state: Object.fromEntries(Y.decodeStateVector(Y.encodeStateVector(doc))),
      };
    case 'quit':
      await quit();
      return { ok: 'quit' };
    default:
      return { error: `unknown command ${JSON.stringify(cmd['cmd'] ?? null)}` };
  }
}

/** @param {string} line */
async function handle(line) {
  if (line.trim() === '') return;
  /** @type {unknown} */
  let parsed;
  try {
    parsed = JSON.parse(line);
  } catch {
    emit({ error: 'bad json' });
    return;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    emit({ error: 'a command must be a JSON object' });
    return;
  }
  const cmd = /** @type {JsonObject} */ (parsed);
  /** @type {JsonObject} */
  let reply;
  try {
    reply = await run(cmd);
  } catch (error) {
    reply = { error: error instanceof Error ? error.message : String(error) };
  }
  if (cmd['id'] !== undefined) reply['id'] = cmd['id'];
  emit(reply);
}

// Commands run strictly in order; stdin closing quits once the queue is done.
let queue = Promise.resolve();
const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
lines.on('line', (line) => {
  queue = queue.then(() => handle(line));
});
lines.on('close', () => {
  queue = queue.then(quit);
});
process.on('SIGTERM', () => void quit());
provider.connect();
