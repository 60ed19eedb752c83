// HTTP calls for boards. The request bodies and commands are typed from shared_schema/
// (src/api/generated/); answers are parsed from `unknown`, since nothing checks them on the way in.
import type { Command } from "../generated/commands";
import type { CreateBoard, Join, LinksAnswer } from "../generated/http";
import { t, uiLanguage } from "../i18n/i18n.svelte";

export type { Command } from "../generated/commands";

/** The three links of a board (shared_schema/http.json `links_answer.links`). */
export type BoardLinks = Readonly<LinksAnswer["links"]>;

export interface CreatedBoard {
  readonly id: string;
  readonly title: string;
  readonly links: BoardLinks;
}

/** What POST /api/boards takes (shared_schema/http.json `create_board`). */
export type NewBoard = Readonly<CreateBoard>;

/** An HTTP error answer `{"error": {"code", "message"}}`, or a transport failure. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function errorFrom(status: number, body: unknown): ApiError {
  const error = isRecord(body) ? body["error"] : undefined;
  if (isRecord(error) && typeof error["message"] === "string") {
    const code = typeof error["code"] === "string" ? error["code"] : "error";
    return new ApiError(status, code, error["message"]);
  }
  return new ApiError(status, "http_error", t("api.http_error", { status }));
}

/** The links of an answer's `links` object, or null when it is not one (a server from before
 * the reviewer link sends three: the reviewer's is then empty). */
export function parseLinks(value: unknown): BoardLinks | null {
  if (!isRecord(value)) return null;
  const { facilitator, participant, viewer, reviewer } = value;
  if (
    typeof facilitator === "string" &&
    typeof participant === "string" &&
    typeof viewer === "string"
  ) {
    return {
      facilitator,
      participant,
      viewer,
      reviewer: typeof reviewer === "string" ? reviewer : "",
    };
  }
  return null;
}

/** Validate a create-board answer; throws ApiError when it is not one. */
export function parseCreatedBoard(body: unknown): CreatedBoard {
  if (isRecord(body) && typeof body["id"] === "string") {
    const links = parseLinks(body["links"]);
    if (links !== null) {
      const title = typeof body["title"] === "string" ? body["title"] : "";
      return { id: body["id"], title, links };
    }
  }
  throw new ApiError(200, "bad_answer", t("api.bad_answer"));
}

async function readJson(response: Response): Promise<unknown> {
  try {
    const body: unknown = await response.json();
    return body;
  } catch {
    return undefined;
  }
}

/** POST /api/boards. */
export async function createBoard(board: NewBoard): Promise<CreatedBoard> {
  const response = await fetch("/api/boards", {
    method: "POST",
    headers: {
      "Content-Type": "application/json",
      Accept: "application/json",
      "Accept-Language": uiLanguage.current,
    },
    body: JSON.stringify(board),
  });
  const body = await readJson(response);
  if (response.status !== 201) throw errorFrom(response.status, body);
  return parseCreatedBoard(body);
}

// Server clock minus local clock, updated by every answer that carries `server_now_ms`.
let skewMs = 0;

/** Server clock minus local clock, from the latest answer that carried `server_now_ms`. */
export function serverSkew(): number {
  return skewMs;
}

/** What a command or read says when the request never reached the server. */
export function unreachableMessage(): string {
  return t("api.unreachable");
}

async function call(
  method: "GET" | "POST",
  path: string,
  token: string,
  payload?: unknown,
): Promise<Record<string, unknown>> {
  const headers: Record<string, string> = {
    Accept: "application/json",
    Authorization: `Bearer ${token}`,
    // The server words its errors in the language the person reads.
    "Accept-Language": uiLanguage.current,
  };
  const init: RequestInit = { method, headers };
  if (payload !== undefined) {
    headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(payload);
  }
  let response: Response;
  try {
    response = await fetch(path, init);
  } catch {
    throw new ApiError(0, "network", unreachableMessage());
  }
  const body = await readJson(response);
  if (response.status < 200 || response.status >= 300)
    throw errorFrom(response.status, body);
  if (!isRecord(body))
    throw new ApiError(response.status, "bad_answer", t("api.bad_answer"));
  const now = body["server_now_ms"];
  if (typeof now === "number") skewMs = now - Date.now();
  return body;
}

const base = (boardId: string): string =>
  `/api/boards/${encodeURIComponent(boardId)}`;

export interface JoinAnswer {
  readonly participantId: string;
  readonly role: string;
  readonly token: string;
}

/** What the page says to someone a facilitator removed from the board. */
export function removedMessage(): string {
  return t("api.removed");
}

/** What a failed join tells the person (a removal is said plainly, whatever the server said). */
export function joinRefusal(caught: unknown): string {
  if (caught instanceof ApiError && caught.code === "removed")
    return removedMessage();
  return caught instanceof Error ? caught.message : t("api.join_failed");
}

/** POST /join with a link token and this browser's id (`deviceId`): a personal token. */
export async function joinBoard(
  boardId: string,
  linkToken: string,
  name: string,
  department: string,
  device: string,
): Promise<JoinAnswer> {
  const payload: Join = { name, department, device };
  const body = await call("POST", `${base(boardId)}/join`, linkToken, payload);
  const { participant_id: participantId, role, token } = body;
  if (
    typeof participantId !== "string" ||
    typeof role !== "string" ||
    typeof token !== "string"
  ) {
    throw new ApiError(201, "bad_answer", t("api.bad_answer"));
  }
  return { participantId, role, token };
}

export interface BoardAnswer {
  readonly role: string;
  readonly session: Record<string, unknown>;
  /** The board's own language (`sv`, `nb`, `da`, `en`), when the answer names one. */
  readonly language: unknown;
  /** How many journeys the board's workshop holds (1 when the answer does not say). */
  readonly journeys: number;
}

/** Where the answer names the board's language: at its top, under `board`, or in the session's board. */
function boardLanguage(
  body: Record<string, unknown>,
  session: unknown,
): unknown {
  const board = body["board"];
  const sessionBoard = isRecord(session) ? session["board"] : undefined;
  return (
    body["language"] ??
    (isRecord(board) ? board["language"] : undefined) ??
    (isRecord(sessionBoard) ? sessionBoard["language"] : undefined) ??
    null
  );
}

/**
 * GET the board: which role the token has, and the session state. Without the content
 * document (`?only=session`): the page gets that from its socket, and on a large board it is
 * hundreds of KB of JSON to wait for.
 */
export async function fetchBoard(
  boardId: string,
  token: string,
): Promise<BoardAnswer> {
  const body = await call("GET", `${base(boardId)}?only=session`, token);
  const session = body["session"];
  return {
    role: typeof body["role"] === "string" ? body["role"] : "viewer",
    session: isRecord(session) ? session : {},
    language: boardLanguage(body, session),
    journeys: typeof body["journeys"] === "number" && body["journeys"] > 1 ? body["journeys"] : 1,
  };
}

/**
 * GET /links with a facilitator's token (the facilitator link, or the personal token of anyone
 * whose role is facilitator now): the board's current links, as created or last rotated.
 * Participants and viewers get ApiError 403.
 */
/**
 * The new facilitator link a `remove` command answered with, or null. Removing a facilitator
 * rotates the facilitator link (they could read it): the result lists `rotated` roles and
 * carries their new `links`.
 */
export function rotatedFacilitatorLink(result: unknown): string | null {
  if (!isRecord(result)) return null;
  const { rotated, links } = result;
  if (
    !Array.isArray(rotated) ||
    !rotated.includes("facilitator") ||
    !isRecord(links)
  )
    return null;
  const link = links["facilitator"];
  return typeof link === "string" && link !== "" ? link : null;
}

/** The token in a link's fragment (`#token=...`), or null. */
export function linkToken(
  link: string,
  base = "http://localhost/",
): string | null {
  let hash: string;
  try {
    hash = new URL(link, base).hash;
  } catch {
    return null;
  }
  const token = new URLSearchParams(hash.replace(/^#/, "")).get("token");
  return token === null || token === "" ? null : token;
}

export async function fetchLinks(
  boardId: string,
  token: string,
): Promise<BoardLinks> {
  const body = await call("GET", `${base(boardId)}/links`, token);
  const links = parseLinks(body["links"]);
  if (links === null)
    throw new ApiError(200, "bad_answer", t("api.bad_answer"));
  return links;
}

export interface Me {
  readonly participantId: string;
  readonly votes: Readonly<Record<string, number>>;
  readonly ratings: Readonly<
    Record<string, { effort: number; impact: number }>
  >;
  readonly votesPerPerson: number;
  /** How many of one person's votes may go on one card, or null for no limit. */
  readonly maxVotesPerCard: number | null;
  readonly remaining: number;
}

function numbers(value: unknown): Record<string, number> {
  const out: Record<string, number> = {};
  if (isRecord(value)) {
    for (const [key, n] of Object.entries(value))
      if (typeof n === "number") out[key] = n;
  }
  return out;
}

/** GET /me with a personal token. */
export async function fetchMe(boardId: string, token: string): Promise<Me> {
  const body = await call("GET", `${base(boardId)}/me`, token);
  const ratings: Record<string, { effort: number; impact: number }> = {};
  if (isRecord(body["ratings"])) {
    for (const [card, value] of Object.entries(body["ratings"])) {
      if (!isRecord(value)) continue;
      const { effort, impact } = value;
      if (typeof effort === "number" && typeof impact === "number") {
        ratings[card] = { effort, impact };
      }
    }
  }
  return {
    participantId:
      typeof body["participant_id"] === "string" ? body["participant_id"] : "",
    votes: numbers(body["votes"]),
    ratings,
    votesPerPerson:
      typeof body["votes_per_person"] === "number"
        ? body["votes_per_person"]
        : 0,
    maxVotesPerCard:
      typeof body["max_votes_per_card"] === "number"
        ? body["max_votes_per_card"]
        : null,
    remaining: typeof body["remaining"] === "number" ? body["remaining"] : 0,
  };
}

/** POST a workshop command; resolves to its `result`. */
export async function sendCommand(
  boardId: string,
  token: string,
  command: Command,
): Promise<unknown> {
  const body = await call("POST", `${base(boardId)}/commands`, token, command);
  return body["result"];
}
