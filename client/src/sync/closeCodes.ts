// Websocket close codes shared with the server (shared_schema/close_codes.json).
import table from '../../../shared_schema/close_codes.json';

export interface CloseCode {
  readonly name: string;
  readonly code: number;
  /** The client must stop reconnecting and show `message`. */
  readonly final: boolean;
  readonly message: string;
}

interface CloseCodeTable {
  readonly codes: Readonly<Record<string, { code: number; final: boolean; message: string }>>;
}

/** Index the shared table by numeric code. */
export function indexCloseCodes(source: CloseCodeTable): ReadonlyMap<number, CloseCode> {
  const byCode = new Map<number, CloseCode>();
  for (const [name, entry] of Object.entries(source.codes)) {
    byCode.set(entry.code, { name, code: entry.code, final: entry.final, message: entry.message });
  }
  return byCode;
}

const CLOSE_CODES = indexCloseCodes(table);

/** The shared entry for a close code, or undefined for codes the table does not name. */
export function closeCodeFor(code: number): CloseCode | undefined {
  return CLOSE_CODES.get(code);
}

/** True when the server told us reconnecting is pointless. */
export function isFinalClose(code: number): boolean {
  return closeCodeFor(code)?.final === true;
}
