// Read-only accessors for the session document, which only the server writes (no DOM).
import * as Y from 'yjs';

function rootValue(doc: Y.Doc, root: string, key: string): unknown {
  try {
    return doc.getMap<unknown>(root).get(key);
  } catch {
    return undefined;
  }
}

/** The board title from `board.title`, or '' when absent or malformed. */
export function readTitle(doc: Y.Doc): string {
  const title = rootValue(doc, 'board', 'title');
  if (title instanceof Y.Text) return title.toString();
  return typeof title === 'string' ? title : '';
}

/** The workshop phase from `session.phase`, or null when absent or malformed. */
export function readPhase(doc: Y.Doc): string | null {
  const phase = rootValue(doc, 'session', 'phase');
  return typeof phase === 'string' ? phase : null;
}
