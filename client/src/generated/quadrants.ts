// Generated from shared_schema/quadrants.json by client/tools/gen-types.mjs (the names the table lists).
// Do not edit: change the schema file and run `npm run gen:types`.

/** A quadrant of the effort/impact matrix (the keys of `quadrants`). */
export type Quadrant =
  | 'quick_win'
  | 'big_bet'
  | 'fill_in'
  | 'money_pit';
