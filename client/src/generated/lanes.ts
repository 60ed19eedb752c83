// Generated from shared_schema/lanes.json by client/tools/gen-types.mjs (the names the table lists).
// Do not edit: change the schema file and run `npm run gen:types`.

/** A card kind that has a lane of its own (`lanes[].kind`). */
export type CardKind =
  | 'action'
  | 'touchpoint'
  | 'thought'
  | 'feeling'
  | 'pain'
  | 'gain'
  | 'backstage'
  | 'solution'
  | 'inspiration'
  | 'note';
