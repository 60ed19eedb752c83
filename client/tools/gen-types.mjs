#!/usr/bin/env node
// Generate the client's TypeScript types from the JSON Schema files in shared_schema/.
//
// Usage: node tools/gen-types.mjs           write src/api/generated/*.ts
//        node tools/gen-types.mjs --check   exit 1 when a committed file differs from the schema
//
// `npm run gen:types` writes; `npm run check` runs the --check form, so a schema change without
// regenerated types fails the check. Each schema keeps its shapes under `$defs`; the generator
// wraps them in one root union (Command, HttpBody) so every definition is emitted once, by name.
import { readFile, writeFile, mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { compile } from 'json-schema-to-typescript';

const schemaDir = fileURLToPath(new URL('../../shared_schema/', import.meta.url));
const outDir = fileURLToPath(new URL('../src/api/generated/', import.meta.url));

/** @typedef {{ [key: string]: unknown }} JsonObject  a parsed JSON object */

/**
 * One generated file: which schema it comes from, the name of the root union, which `$defs` go
 * into that union (the others are emitted when referenced), and the type name of each.
 * @typedef {{ output: string, schema: string, root: string, members: (defs: string[]) => string[], typeName: (key: string) => string }} Target
 */

/** @param {string} key  a snake_case `$defs` key */
const pascal = (key) =>
  key
    .split('_')
    .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
    .join('');

/** @type {Target[]} */
const TARGETS = [
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

/**
 * @param {unknown} value
 * @returns {value is JsonObject}
 */
function isObject(value) {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The TypeScript source for one target.
 * @param {Target} target
 * @returns {Promise<string>}
 */
async function generate(target) {
  /** @type {unknown} */
  const parsed = JSON.parse(await readFile(schemaDir + target.schema, 'utf8'));
  if (!isObject(parsed) || !isObject(parsed['$defs'])) {
    throw new Error(`shared_schema/${target.schema} has no $defs`);
  }
  /** @type {JsonObject} */
  const defs = {};
  for (const [key, def] of Object.entries(parsed['$defs'])) {
    if (!isObject(def)) throw new Error(`shared_schema/${target.schema}: $defs.${key} is not a schema`);
    defs[key] = { ...def, title: target.typeName(key) };
  }
  const root = {
    title: target.root,
    oneOf: target.members(Object.keys(defs)).map((key) => ({ $ref: `#/$defs/${key}` })),
    $defs: defs,
  };
  const banner = [
    `// Generated from shared_schema/${target.schema} by client/tools/gen-types.mjs`,
    '// (json-schema-to-typescript). Do not edit: change the schema and run `npm run gen:types`.',
  ].join('\n');
  // compile() takes a JSON Schema; a JsonObject is one.
  return compile(/** @type {import('json-schema-to-typescript').JSONSchema} */ (root), target.root, {
    bannerComment: banner,
    cwd: schemaDir,
    style: { singleQuote: true, printWidth: 100 },
  });
}

const check = process.argv.includes('--check');
let stale = 0;
await mkdir(outDir, { recursive: true });
for (const target of TARGETS) {
  const source = await generate(target);
  const path = outDir + target.output;
  if (check) {
    const committed = await readFile(path, 'utf8').catch(() => '');
    if (committed !== source) {
      process.stderr.write(
        `client/src/api/generated/${target.output} is stale against shared_schema/${target.schema}; run \`npm run gen:types\`.\n`,
      );
      stale += 1;
    }
  } else {
    await writeFile(path, source);
  }
}
process.exit(stale === 0 ? 0 : 1);
