// HTTP calls of a workshop's journeys: list them, add one, edit the persona, upload and fetch
// its picture. Every call carries the token in the Authorization header, never in a URL: the
// picture is fetched as bytes and shown through an object URL.
import type { AddJourney, JourneyAdded, Persona } from '../generated/http';
import { ApiError, isRecord } from './boards';
import { parseWorkshop, type Workshop } from '../state/journeys';

const base = (boardId: string): string => `/api/boards/${encodeURIComponent(boardId)}`;

async function send(path: string, token: string, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  headers.set('Authorization', `Bearer ${token}`);
  if (!headers.has('Accept')) headers.set('Accept', 'application/json');
  let response: Response;
  try {
    response = await fetch(path, { ...init, headers });
  } catch {
    throw new ApiError(0, 'network', 'network');
  }
  if (response.ok) return response;
  let body: unknown;
  try {
    body = await response.json();
  } catch {
    body = undefined;
  }
  const error = isRecord(body) ? body['error'] : undefined;
  if (isRecord(error) && typeof error['message'] === 'string') {
    const code = typeof error['code'] === 'string' ? error['code'] : 'error';
    throw new ApiError(response.status, code, error['message']);
  }
  throw new ApiError(response.status, 'http_error', String(response.status));
}

async function json(response: Response): Promise<unknown> {
  try {
    const body: unknown = await response.json();
    return body;
  } catch {
    throw new ApiError(response.status, 'bad_answer', 'bad_answer');
  }
}

/** GET /journeys: the workshop's journeys, the root first. */
export async function fetchWorkshop(boardId: string, token: string): Promise<Workshop> {
  const workshop = parseWorkshop(await json(await send(`${base(boardId)}/journeys`, token)));
  if (workshop === null) throw new ApiError(200, 'bad_answer', 'bad_answer');
  return workshop;
}

/** POST /journeys (facilitator): a persona variant, a stage's detailed journey, a to-be. */
export async function addJourney(boardId: string, token: string, body: AddJourney): Promise<JourneyAdded> {
  const response = await send(`${base(boardId)}/journeys`, token, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  const answer = await json(response);
  if (!isRecord(answer) || typeof answer['id'] !== 'string') {
    throw new ApiError(response.status, 'bad_answer', 'bad_answer');
  }
  return answer as unknown as JourneyAdded;
}

/** PUT /persona (facilitator): replace the journey's persona. */
export async function savePersona(boardId: string, token: string, persona: Persona): Promise<void> {
  const { picture: _, ...fields } = persona;
  await send(`${base(boardId)}/persona`, token, {
    method: 'PUT',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(fields),
  });
}

/** POST /persona/picture (facilitator): the picture's bytes, re-encoded by the server. */
export async function uploadPicture(boardId: string, token: string, picture: Blob): Promise<void> {
  await send(`${base(boardId)}/persona/picture`, token, {
    method: 'POST',
    headers: { 'Content-Type': picture.type || 'application/octet-stream' },
    body: picture,
  });
}

/** GET /persona/picture: the picture as a Blob, or null when the persona has none. */
export async function fetchPicture(boardId: string, token: string): Promise<Blob | null> {
  try {
    const response = await send(`${base(boardId)}/persona/picture`, token, {
      headers: { Accept: 'image/webp, image/png' },
    });
    return await response.blob();
  } catch (caught: unknown) {
    if (caught instanceof ApiError && caught.status === 404) return null;
    throw caught;
  }
}

/** The address of a journey's page: the same link token (the workshop's) in its fragment. */
export function journeyPath(journeyId: string, linkToken: string, page: 'board' | 'portfolio' = 'board'): string {
  const path = `/b/${encodeURIComponent(journeyId)}${page === 'portfolio' ? '/portfolio' : ''}`;
  return `${path}#token=${encodeURIComponent(linkToken)}`;
}
