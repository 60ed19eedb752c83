// Which text the board may make a link of: an inspiration card's source (RULINGS.md: http and
// https only). Anything else is shown as plain text, never a link. The server's exports keep
// the same rule (server/journeyboard/exports/links.py).
import type { Card } from './content';

const MAX_LINK = 2000;
// Characters a browser's URL parser strips or that no URL holds: refuse rather than guess.
const UNSAFE = /[\u0000-\u0020"<>\\`\u007f]/;

/** The trimmed text when it is an absolute http or https URL with a host, else null. */
export function safeLink(text: string | undefined): string | null {
  const link = (text ?? '').trim();
  if (link === '' || link.length > MAX_LINK || UNSAFE.test(link)) return null;
  if (!/^https?:\/\/[^/?#]/i.test(link)) return null;
  let url: URL;
  try {
    url = new URL(link);
  } catch {
    return null;
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.hostname === '') return null;
  return link;
}

/** The inspiration lane is shown when the board has inspiration cards or once a follow-up
 * workshop runs (docs/DECISIONS.md): a row the first workshop does not use costs a laptop's
 * height. */
export function showsInspiration(cards: readonly Card[], sessionNumber: number): boolean {
  return sessionNumber > 1 || cards.some((card) => card.kind === 'inspiration');
}
