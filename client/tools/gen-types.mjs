#!/usr/bin/env node
// Generate the client's TypeScript types from the files in shared_schema/.
//
// Usage: node tools/gen-types.mjs           write src/generated/*.ts
//        node tools/gen-types.mjs --check   exit 1 when a committed file differs from what the
//                                           schema gives
//
// `npm run gen:types` writes; `npm run check` runs the --check form, so a schema change without
// regenerated types fails the check. Two sorts of file:
// - JSON Schema (commands.json, http.json): json-schema-to-typescript compiles the `$defs`,
//   wrapped in one root union (Command, HttpBody) so that every definition is emitted once, by name.
// - Tables (lanes.json, quadrants.json): the union of the names a table lists (CardKind, Quadrant),
//   so the client's code is checked against the same names the server reads.
// - close_codes.json: every close code as a named constant (`CLOSE.NOT_FOUND.code`), as the
//   server's generated server/journeyboard/sync/close_codes.py names them (scripts/close_codes.py).
import { readFile, writeFile, mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { compile } from 'json-schema-to-typescript';

const schemaDir = fileURLToPath(new URL('../../shared_schema/', import.meta.url));
const outDir = fileURLToPath(new URL('../src/generated/', import.meta.url));

/** @typedef {{ [key: string]: unknown }} JsonObject  a parsed JSON object */

/**
 * A JSON Schema file: the name of the root union, which `$defs` go into it (the others are
 * emitted where referenced), and the type name of each definition.
 * @typedef {{ output: string, schema: string, root: string, members: (defs: string[]) => string[], typeName: (key: string) => string }} SchemaTarget
 */

/**
 * A table: the union type of the names `names` reads from it.
 * @typedef {{ output: string, table: string, type: string, doc: string, names: (table: JsonObject) => string[] }} TableTarget
 */

/** @param {string} key  a snake_case `$defs` key */
const pascal = (key) =>
  key
    .split('_')
    .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
    .join('');

/**
 * @param {unknown} value
 * @returns {value is JsonObject}
 */
function isObject(value) {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * @param {unknown} value
 * @param {string} where  what to name in the error
 * @returns {string}
 */
function name(value, where) {
  if (typeof value !== 'string' || value === '') throw new Error(`${where} is not a name`);
  return value;
}

/** @type {SchemaTarget[]} */
const SCHEMAS = [
  {
    output: 'commands.ts',
    schema: 'commands.json',
    root: 'Command',
    members: (defs) => defs,
    typeName: (key) => `${pascal(key)}Command`,
  },
  {
    output: 'http.ts',
    schema: 'http.json',
    root: 'HttpBody',
    // `link` is a part of answers, not a body; it is emitted where links_answer refers to it.
    members: (defs) => defs.filter((key) => key !== 'link'),
    typeName: pascal,
  },
];

/** @type {TableTarget[]} */
const TABLES = [
  {
    output: 'lanes.ts',
    table: 'lanes.json',
    type: 'CardKind',
    doc: 'A card kind that has a lane of its own (`lanes[].kind`).',
    names: (table) => {
      const lanes = table['lanes'];
      if (!Array.isArray(lanes)) throw new Error('lanes.json has no lanes list');
      return lanes.map((lane, i) => name(isObject(lane) ? lane['kind'] : undefined, `lanes[${i}].kind`));
    },
  },
  {
    output: 'quadrants.ts',
    table: 'quadrants.json',
    type: 'Quadrant',
    doc: 'A quadrant of the effort/impact matrix (the keys of `quadrants`).',
    names: (table) => {
      const quadrants = table['quadrants'];
      if (!isObject(quadrants)) throw new Error('quadrants.json has no quadrants');
      return Object.keys(quadrants);
    },
  },
];

/**
 * @param {string} file  the shared_schema/ file the output comes from
 * @param {string} how  what made it
 */
function banner(file, how) {
  return [
    `// Generated from shared_schema/${file} by client/tools/gen-types.mjs (${how}).`,
    '// Do not edit: change the schema file and run `npm run gen:types`.',
  ].join('\n');
}

/**
 * @param {string} file  a file of shared_schema/
 * @returns {Promise<JsonObject>}
 */
async function readJson(file) {
  /** @type {unknown} */
  const parsed = JSON.parse(await readFile(schemaDir + file, 'utf8'));
  if (!isObject(parsed)) throw new Error(`shared_schema/${file} is not a JSON object`);
  return parsed;
}

/**
 * The TypeScript source for one JSON Schema file.
 * @param {SchemaTarget} target
 * @returns {Promise<string>}
 */
async function fromSchema(target) {
  const parsed = await readJson(target.schema);
  const source = parsed['$defs'];
  if (!isObject(source)) throw new Error(`shared_schema/${target.schema} has no $defs`);
  /** @type {JsonObject} */
  const defs = {};
  for (const [key, def] of Object.entries(source)) {
    if (!isObject(def)) throw new Error(`shared_schema/${target.schema}: $defs.${key} is not a schema`);
    defs[key] = { ...def, title: target.typeName(key) };
  }
  const root = {
    title: target.root,
    oneOf: target.members(Object.keys(defs)).map((key) => ({ $ref: `#/$defs/${key}` })),
    $defs: defs,
  };
  // compile() takes a JSON Schema; a JsonObject is one.
  return compile(/** @type {import('json-schema-to-typescript').JSONSchema} */ (root), target.root, {
    bannerComment: banner(target.schema, 'json-schema-to-typescript'),
    cwd: schemaDir,
    style: { singleQuote: true, printWidth: 100 },
  });
}

/**
 * The TypeScript source for one table.
 * @param {TableTarget} target
 * @returns {Promise<string>}
 */
async function fromTable(target) {
  const names = target.names(await readJson(target.table));
  const members = names.map((n) => `  | '${n.replace(/[\\']/g, '\\$&')}'`).join('\n');
  return `${banner(target.table, 'the names the table lists')}\n\n/** ${target.doc} */\nexport type ${target.type} =\n${members};\n`;
}

/**
 * A TypeScript string literal in single quotes.
 * @param {string} text
 */
const quoted = (text) => `'${text.replace(/[\\']/g, '\\$&').replace(/\n/g, '\\n')}'`;

/**
 * The TypeScript source for close_codes.json: one constant per named code.
 * @returns {Promise<string>}
 */
async function fromCloseCodes() {
  const codes = (await readJson('close_codes.json'))['codes'];
  if (!isObject(codes)) throw new Error('close_codes.json has no codes');
  const entries = Object.entries(codes).map(([key, entry]) => {
    if (!/^[A-Z][A-Z0-9_]*$/.test(key)) throw new Error(`close code name ${key} is not an upper-case name`);
    const code = isObject(entry) ? entry['code'] : undefined;
    const final = isObject(entry) ? entry['final'] : undefined;
    const message = isObject(entry) ? entry['message'] : undefined;
    if (!Number.isInteger(code) || typeof final !== 'boolean' || typeof message !== 'string') {
      throw new Error(`close code ${key}: code, final or message has the wrong type`);
    }
    return [
      `  ${key}: {`,
      `    name: ${quoted(key)},`,
      `    code: ${String(code)},`,
      `    final: ${String(final)},`,
      `    message: ${quoted(message)},`,
      '  },',
    ].join('\n');
  });
  const names = Object.keys(codes).map((key) => `  | ${quoted(key)}`).join('\n');
  return [
    banner('close_codes.json', 'every named close code'),
    '',
    '/** The name of a close code in the shared table. */',
    `export type CloseName =\n${names};`,
    '',
    'export interface CloseCode {',
    '  readonly name: CloseName;',
    '  readonly code: number;',
    '  /** The client must stop reconnecting and show `message`. */',
    '  readonly final: boolean;',
    '  readonly message: string;',
    '}',
    '',
    '/** Every named close code: `CLOSE.NOT_FOUND.code`. */',
    'export const CLOSE = {',
    ...entries,
    '} as const satisfies Readonly<Record<CloseName, CloseCode>>;',
    '',
  ].join('\n');
}

/** @type {Array<[string, string, () => Promise<string>]>} output, source, generator */
const JOBS = [
  ...SCHEMAS.map((t) => /** @type {[string, string, () => Promise<string>]} */ ([t.output, t.schema, () => fromSchema(t)])),
  ...TABLES.map((t) => /** @type {[string, string, () => Promise<string>]} */ ([t.output, t.table, () => fromTable(t)])),
  ['closeCodes.ts', 'close_codes.json', fromCloseCodes],
];

const check = process.argv.includes('--check');
let stale = 0;
if (!check) await mkdir(outDir, { recursive: true });
for (const [output, from, make] of JOBS) {
  const source = await make();
  const path = outDir + output;
  if (check) {
    const committed = await readFile(path, 'utf8').catch(() => '');
    if (committed !== source) {
      process.stderr.write(
        `client/src/generated/${output} is stale against shared_schema/${from}; run \`npm run gen:types\`.\n`,
      );
      stale += 1;
    }
  } else {
    await writeFile(path, source);
  }
}
process.exit(stale === 0 ? 0 : 1);
