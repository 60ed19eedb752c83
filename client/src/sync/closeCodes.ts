// Websocket close codes shared with the server: the constants generated from
// shared_schema/close_codes.json (src/generated/closeCodes.ts, `npm run gen:types`).
import { CLOSE, type CloseCode } from '../generated/closeCodes';

export { CLOSE, type CloseCode, type CloseName } from '../generated/closeCodes';

/** Index close codes by number. */
export function indexCloseCodes(codes: Iterable<CloseCode>): ReadonlyMap<number, CloseCode> {
  const byCode = new Map<number, CloseCode>();
  for (const entry of codes) byCode.set(entry.code, entry);
  return byCode;
}

const CLOSE_CODES = indexCloseCodes(Object.values(CLOSE));

/** The shared entry for a close code, or undefined for codes the table does not name. */
export function closeCodeFor(code: number): CloseCode | undefined {
  return CLOSE_CODES.get(code);
}

/** True when the server told us reconnecting is pointless. */
export function isFinalClose(code: number): boolean {
  return closeCodeFor(code)?.final === true;
}
