#!/usr/bin/env node
// Does the browser's yjs read these updates? The differential test's other half (the server's
// half is journeyboard.sync.yupdate): it applies each update the way y-protocols' sync step 2
// does and reports whether yjs threw, then reads every root map the way the board does.
//
// Usage: node client/tools/yread.mjs            (check updates, see below)
//        node client/tools/yread.mjs --sample   (print updates yjs writes for a small board,
//                                                one hex string per line, then exit)
//
// stdin: one JSON line per candidate, {"update": "<hex>", "base": ["<hex>", ...]?}; `base`
// updates are applied first (they must read cleanly) to a fresh document, then the candidate.
// stdout: one JSON line per candidate, in order:
//   {"apply": null | "<error>", "read": null | "<error>"}
// `apply` is what `Y.applyUpdate` threw (y-protocols catches it and the page stays as it was),
// `read` is what reading the document threw afterwards (`getMap(name).toJSON()` for every root,
// then JSON.stringify of the result, which the page does when it compares and renders). Errors
// thrown later (a timer or a rejected promise started by the update) are reported on the
// candidate's line too: each candidate waits for a macrotask before its line is written.
import { createInterface } from "node:readline";
import * as Y from "yjs";

/** @type {string | null} */
let late = null;
process.on("uncaughtException", (error) => {
  late = String(error);
});
process.on("unhandledRejection", (error) => {
  late = String(error);
});

/** @param {string} hex */
function bytes(hex) {
  return Uint8Array.from(Buffer.from(hex, "hex"));
}

/** @param {unknown} error */
function describe(error) {
  return error instanceof Error
    ? `${error.name}: ${error.message}`
    : String(error);
}

/**
 * Read every root as the board does (all its roots are maps).
 * @param {Y.Doc} doc
 */
function readAll(doc) {
  /** @type {Record<string, unknown>} */
  const state = {};
  for (const name of Array.from(doc.share.keys())) {
    state[name] = doc.getMap(name).toJSON();
  }
  JSON.stringify(state, (_key, value) =>
    typeof value === "bigint" ? String(value) : value,
  );
}

/** @param {string} line */
async function check(line) {
  const request = /** @type {{ update: string, base?: string[] }} */ (
    JSON.parse(line)
  );
  const doc = new Y.Doc();
  late = null;
  /** @type {string | null} */
  let apply = null;
  /** @type {string | null} */
  let read = null;
  try {
    for (const part of request.base ?? []) Y.applyUpdate(doc, bytes(part));
  } catch (error) {
    apply = `base: ${describe(error)}`;
  }
  try {
    Y.applyUpdate(doc, bytes(request.update));
  } catch (error) {
    apply ??= describe(error);
  }
  try {
    readAll(doc);
  } catch (error) {
    read = describe(error);
  }
  await new Promise((resolve) => setImmediate(resolve));
  if (late !== null && apply === null) apply = `late: ${late}`;
  doc.destroy();
  return { apply, read };
}

/** Updates the stock yjs writes while a board is edited: every content kind it has. */
function sample() {
  const doc = new Y.Doc();
  doc.clientID = 777;
  /** @type {string[]} */
  const updates = [];
  doc.on("update", (/** @type {Uint8Array} */ update) => {
    updates.push(Buffer.from(update).toString("hex"));
  });
  const cards = doc.getMap("cards");
  doc.transact(() => {
    const card = new Y.Map();
    cards.set("c1", card);
    card.set("kind", "pain");
    card.set("pos", 1.5);
    card.set("tags", ["a", { b: null, n: -7 }]);
    card.set("bytes", new Uint8Array([1, 2, 3]));
    card.set("text", new Y.Text("h\u00e9llo \u{1f600}"));
    card.set("list", Y.Array.from([1, 2, 3]));
  });
  const text = /** @type {Y.Text} */ (
    /** @type {Y.Map<unknown>} */ (cards.get("c1")).get("text")
  );
  text.insert(2, "XY");
  text.format(0, 3, { bold: true });
  text.insertEmbed(1, { image: "x" });
  text.delete(4, 2);
  doc.transact(() => {
    const card = new Y.Map();
    cards.set("c2", card);
    card.set("kind", "idea");
  });
  cards.delete("c2");
  const list = doc.getMap("lists");
  list.set("l", Y.Array.from([new Y.Map(), "x"]));
  doc.getMap("stages").set("s1", "one");
  updates.push(Buffer.from(Y.encodeStateAsUpdate(doc)).toString("hex"));
  for (const update of updates) process.stdout.write(update + "\n");
}

if (process.argv[2] === "--sample") {
  sample();
  process.exit(0);
}

const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
for await (const line of lines) {
  if (line.trim() === "") continue;
  process.stdout.write(JSON.stringify(await check(line)) + "\n");
}
