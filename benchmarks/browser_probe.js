// Instruments a board page for benchmarks/browser.py (added as an init script, before the app).
// Times are performance.now() of this page; `epoch` adds performance.timeOrigin.
// It relies only on [data-testid="card"][data-card-id], on a card's text being in the DOM,
// as a text node or as the value of a textarea inside the card, and on the map's
// data-first-screen="mounted" once a large board's first screen of cards is in the DOM.
(() => {
  const now = () => performance.now();
  const state = {
    expected: Number(new URLSearchParams(location.hash.replace(/^#/, '')).get('bench_cards') ?? '0'),
    firstCard: null,
    allCards: null,
    painted: null,
    mounted: null,
    messages: { count: 0, lastStart: null },
    /** The first large socket message (the board's sync): when it arrived and was handled. */
    sync: null,
    watch: null,
  };

  // First render: count the cards at every frame until all are there, or until the map says
  // the cards of its first screen are mounted (a large board mounts the rest as they scroll
  // into view: client/src/ui/cellMounter.ts), then note when that frame has been laid out and
  // painted (a task posted from requestAnimationFrame runs after).
  const afterFrame = (done) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => done(now());
    channel.port2.postMessage(null);
  };
  const poll = () => {
    const count = document.querySelectorAll('[data-testid="card"]').length;
    if (count > 0 && state.firstCard === null) state.firstCard = now();
    const firstScreen = count > 0 && document.querySelector('[data-first-screen="mounted"]') !== null;
    if (state.expected > 0 && (count >= state.expected || firstScreen)) {
      state.allCards = now();
      state.mounted = count;
      afterFrame((t) => (state.painted = t));
      return;
    }
    requestAnimationFrame(poll);
  };
  requestAnimationFrame(poll);

  // When each socket message starts being handled (the remote edit arrives in one).
  const onmessage = Object.getOwnPropertyDescriptor(WebSocket.prototype, 'onmessage');
  Object.defineProperty(WebSocket.prototype, 'onmessage', {
    configurable: true,
    enumerable: onmessage.enumerable,
    get() {
      return onmessage.get.call(this);
    },
    set(handler) {
      if (typeof handler !== 'function') {
        onmessage.set.call(this, handler);
        return;
      }
      onmessage.set.call(this, function (event) {
        const start = now();
        state.messages.lastStart = start;
        state.messages.count += 1;
        try {
          return handler.call(this, event);
        } finally {
          const bytes = event.data instanceof ArrayBuffer ? event.data.byteLength : 0;
          if (state.sync === null && bytes >= 65536) state.sync = { start, handled: now(), bytes };
        }
      });
    },
  });

  // A remote edit: the moment the watched card's text in the DOM holds the marker.
  const cardElement = (id) =>
    document.querySelector(`[data-testid="card"][data-card-id="${CSS.escape(id)}"]`);
  const cardText = (card) => {
    let text = '';
    for (const area of card.querySelectorAll('textarea')) text += area.value + '\n';
    return text + card.textContent;
  };
  const check = () => {
    const at = now();
    const watch = state.watch;
    if (watch === null || watch.dom !== null) return;
    if (watch.element === null || !watch.element.isConnected) watch.element = cardElement(watch.id);
    if (watch.element === null || !cardText(watch.element).includes(watch.marker)) return;
    watch.dom = at;
    watch.message = state.messages.lastStart;
    requestAnimationFrame(() => {
      watch.frame = now();
      afterFrame((t) => {
        watch.painted = t;
        watch.resolve();
      });
    });
  };
  const observer = new MutationObserver(check);
  let observing = false;
  const value = Object.getOwnPropertyDescriptor(HTMLTextAreaElement.prototype, 'value');
  Object.defineProperty(HTMLTextAreaElement.prototype, 'value', {
    configurable: true,
    enumerable: value.enumerable,
    get() {
      return value.get.call(this);
    },
    set(text) {
      value.set.call(this, text);
      if (state.watch !== null && state.watch.dom === null) check();
    },
  });

  const epoch = (t) => (t === null ? null : performance.timeOrigin + t);

  window.__bench = {
    render: () => {
      if (state.painted === null) return null;
      const navigation = performance.getEntriesByType('navigation')[0];
      // The board look-up (GET /api/boards/ID) the page waits for before it opens its sockets.
      const lookup = performance
        .getEntriesByType('resource')
        .find((entry) => /\/api\/boards\/[^/]+$/.test(new URL(entry.name).pathname));
      return {
        lookup: lookup === undefined ? null : { start: lookup.startTime, end: lookup.responseEnd, bytes: lookup.encodedBodySize },
        firstCard: state.firstCard,
        allCards: state.allCards,
        painted: state.painted,
        mounted: state.mounted,
        domContentLoaded: navigation?.domContentLoadedEventEnd ?? null,
        sync: state.sync,
      };
    },
    clock: () => performance.timeOrigin + performance.now(),
    watch(id, marker) {
      if (!observing) {
        observer.observe(document.body, { subtree: true, childList: true, characterData: true });
        observing = true;
      }
      let resolve = () => {};
      const done = new Promise((r) => (resolve = r));
      state.watch = { id, marker, element: cardElement(id), dom: null, message: null, frame: null, painted: null, resolve, done };
    },
    async seen(timeoutMs) {
      const watch = state.watch;
      if (watch === null) return null;
      const timer = new Promise((r) => setTimeout(r, timeoutMs));
      await Promise.race([watch.done, timer]);
      state.watch = null;
      if (watch.painted === null) return null;
      return {
        dom: epoch(watch.dom),
        message: epoch(watch.message),
        frame: epoch(watch.frame),
        painted: epoch(watch.painted),
      };
    },
    // Resolve once `frames` frames in a row came at most `gapMs` apart (or after `timeoutMs`).
    settle(frames, gapMs, timeoutMs) {
      return new Promise((resolve) => {
        const start = now();
        let last = now();
        let calm = 0;
        const step = () => {
          const t = now();
          calm = t - last <= gapMs ? calm + 1 : 0;
          last = t;
          if (calm >= frames || t - start > timeoutMs) resolve(t - start);
          else requestAnimationFrame(step);
        };
        requestAnimationFrame(step);
      });
    },
    // Frame times (ms) over `ms`, and how many socket messages arrived meanwhile.
    frames(ms) {
      return new Promise((resolve) => {
        const times = [];
        const messages = state.messages.count;
        const step = () => {
          const t = now();
          times.push(t);
          if (t - times[0] < ms) requestAnimationFrame(step);
          else resolve({ times, messages: state.messages.count - messages });
        };
        requestAnimationFrame(step);
      });
    },
  };
})();
