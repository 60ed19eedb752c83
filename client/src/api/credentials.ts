// What a browser remembers per board (localStorage): personal tokens and created links.
import { isRecord, type BoardLinks } from "./boards";

export interface Person {
  readonly token: string;
  readonly participantId: string;
  readonly name: string;
}

const personKey = (boardId: string, role: string): string =>
  `journeyboard:person:${boardId}:${role}`;
const linksKey = (boardId: string): string => `journeyboard:links:${boardId}`;
const deviceKey = "journeyboard:device";
const DEVICE_PATTERN = /^[A-Za-z0-9_-]{16,64}$/;

function load(key: string): unknown {
  try {
    const raw = window.localStorage.getItem(key);
    return raw === null ? null : (JSON.parse(raw) as unknown);
  } catch {
    return null;
  }
}

function save(key: string, value: unknown): void {
  try {
    if (value === null) window.localStorage.removeItem(key);
    else window.localStorage.setItem(key, JSON.stringify(value));
  } catch {
    // Storage refused (private mode, quota): the person joins again next time.
  }
}

/** The personal token joined with a link of `linkRole` on this board, if any. */
export function loadPerson(boardId: string, linkRole: string): Person | null {
  const value = load(personKey(boardId, linkRole));
  if (!isRecord(value)) return null;
  const { token, participantId, name } = value;
  if (
    typeof token !== "string" ||
    typeof participantId !== "string" ||
    typeof name !== "string"
  ) {
    return null;
  }
  return { token, participantId, name };
}

export function savePerson(
  boardId: string,
  linkRole: string,
  person: Person | null,
): void {
  save(personKey(boardId, linkRole), person);
}

/** The links the creation answer (or a rotation) handed to this browser. */
export function loadLinks(boardId: string): BoardLinks | null {
  const value = load(linksKey(boardId));
  if (!isRecord(value)) return null;
  const { facilitator, participant, viewer, reviewer } = value;
  if (typeof facilitator !== "string" || typeof participant !== "string")
    return null;
  if (typeof viewer !== "string") return null;
  // Links kept before boards had a reviewer link have none.
  return {
    facilitator,
    participant,
    viewer,
    reviewer: typeof reviewer === "string" ? reviewer : "",
  };
}

export function saveLinks(boardId: string, links: BoardLinks): void {
  save(linksKey(boardId), links);
}

/**
 * A random id for this browser, made once and kept, sent when joining a board: a board refuses
 * a join from the browser of someone a facilitator removed. (It recognises a browser, not a
 * person: a fresh browser gets a fresh id.)
 */
export function deviceId(): string {
  const kept = load(deviceKey);
  if (typeof kept === "string" && DEVICE_PATTERN.test(kept)) return kept;
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  const made = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join(
    "",
  );
  save(deviceKey, made);
  return made;
}

const tourKey = "journeyboard:first-run-done";

/** True once this browser finished or dismissed the facilitator's first-run tour. */
export function tourDone(): boolean {
  return load(tourKey) === true;
}

export function markTourDone(): void {
  save(tourKey, true);
}
