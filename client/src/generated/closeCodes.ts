// Generated from shared_schema/close_codes.json by client/tools/gen-types.mjs (every named close code).
// Do not edit: change the schema file and run `npm run gen:types`.

/** The name of a close code in the shared table. */
export type CloseName =
  | 'GOING_AWAY'
  | 'SERVICE_RESTART'
  | 'TRY_AGAIN_LATER'
  | 'MALFORMED'
  | 'UNAUTHORIZED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'ORIGIN_REFUSED'
  | 'LINK_ROTATED'
  | 'TOO_LARGE'
  | 'RATE_LIMITED'
  | 'SLOW_CONSUMER'
  | 'TOO_MANY_CONNECTIONS'
  | 'SERVER_BUSY'
  | 'DOCUMENT_TOO_LARGE'
  | 'UNREADABLE_UPDATE';

export interface CloseCode {
  readonly name: CloseName;
  readonly code: number;
  /** The client must stop reconnecting and show `message`. */
  readonly final: boolean;
  readonly message: string;
}

/** Every named close code: `CLOSE.NOT_FOUND.code`. */
export const CLOSE = {
  GOING_AWAY: {
    name: 'GOING_AWAY',
    code: 1001,
    final: false,
    message: 'The server is restarting; reconnecting.',
  },
  SERVICE_RESTART: {
    name: 'SERVICE_RESTART',
    code: 1012,
    final: false,
    message: 'The server is restarting; reconnecting.',
  },
  TRY_AGAIN_LATER: {
    name: 'TRY_AGAIN_LATER',
    code: 1013,
    final: false,
    message: 'The server cannot store changes right now; reconnecting.',
  },
  MALFORMED: {
    name: 'MALFORMED',
    code: 4400,
    final: true,
    message: 'The connection sent a message the server could not read.',
  },
  UNAUTHORIZED: {
    name: 'UNAUTHORIZED',
    code: 4401,
    final: true,
    message: 'This link is not valid. Ask the facilitator for a new one.',
  },
  FORBIDDEN: {
    name: 'FORBIDDEN',
    code: 4403,
    final: true,
    message: 'You no longer have access to this board.',
  },
  NOT_FOUND: {
    name: 'NOT_FOUND',
    code: 4404,
    final: true,
    message: 'This board does not exist.',
  },
  ORIGIN_REFUSED: {
    name: 'ORIGIN_REFUSED',
    code: 4405,
    final: true,
    message: 'This page is not allowed to connect to the board server.',
  },
  LINK_ROTATED: {
    name: 'LINK_ROTATED',
    code: 4410,
    final: true,
    message: 'The facilitator replaced this link. Ask for the new one.',
  },
  TOO_LARGE: {
    name: 'TOO_LARGE',
    code: 4413,
    final: true,
    message: 'A change was too large for the board.',
  },
  RATE_LIMITED: {
    name: 'RATE_LIMITED',
    code: 4429,
    final: true,
    message: 'Too many messages; reload the page to reconnect.',
  },
  SLOW_CONSUMER: {
    name: 'SLOW_CONSUMER',
    code: 4408,
    final: false,
    message: 'The connection fell behind; resyncing.',
  },
  TOO_MANY_CONNECTIONS: {
    name: 'TOO_MANY_CONNECTIONS',
    code: 4430,
    final: false,
    message: 'Too many connections to this board or from this network; retrying.',
  },
  SERVER_BUSY: {
    name: 'SERVER_BUSY',
    code: 4503,
    final: false,
    message: 'The server is busy; retrying shortly.',
  },
  DOCUMENT_TOO_LARGE: {
    name: 'DOCUMENT_TOO_LARGE',
    code: 4414,
    final: true,
    message: 'The board has reached its size limit; your last change was not saved.',
  },
  UNREADABLE_UPDATE: {
    name: 'UNREADABLE_UPDATE',
    code: 4422,
    final: true,
    message: 'Your last change could not be read back by the server and was not saved. Reload the page.',
  },
} as const satisfies Readonly<Record<CloseName, CloseCode>>;
