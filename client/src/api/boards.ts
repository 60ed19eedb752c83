// HTTP calls for boards.

export interface BoardLinks {
  readonly facilitator: string;
  readonly participant: string;
  readonly viewer: string;
}

export interface CreatedBoard {
  readonly id: string;
  readonly title: string;
  readonly links: BoardLinks;
}

/** An HTTP error answer `{"error": {"code", "message"}}`, or a transport failure. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function errorFrom(status: number, body: unknown): ApiError {
  const error = isRecord(body) ? body['error'] : undefined;
  if (isRecord(error) && typeof error['message'] === 'string') {
    const code = typeof error['code'] === 'string' ? error['code'] : 'error';
    return new ApiError(status, code, error['message']);
  }
  return new ApiError(status, 'http_error', `The server answered ${status}.`);
}

/** Validate a create-board answer; throws ApiError when it is not one. */
export function parseCreatedBoard(body: unknown): CreatedBoard {
  if (isRecord(body) && typeof body['id'] === 'string' && isRecord(body['links'])) {
    const { facilitator, participant, viewer } = body['links'];
    if (
      typeof facilitator === 'string' &&
      typeof participant === 'string' &&
      typeof viewer === 'string'
    ) {
      const title = typeof body['title'] === 'string' ? body['title'] : '';
      return { id: body['id'], title, links: { facilitator, participant, viewer } };
    }
  }
  throw new ApiError(200, 'bad_answer', 'The server sent an unexpected answer.');
}

async function readJson(response: Response): Promise<unknown> {
  try {
    const body: unknown = await response.json();
    return body;
  } catch {
    return undefined;
  }
}

/** POST /api/boards with `{"title"}`. */
export async function createBoard(title: string): Promise<CreatedBoard> {
  const response = await fetch('/api/boards', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
    body: JSON.stringify({ title }),
  });
  const body = await readJson(response);
  if (response.status !== 201) throw errorFrom(response.status, body);
  return parseCreatedBoard(body);
}
