// Which UI language to show (pure): the person's choice, then the browser's languages, then the
// board's language, then English (docs/shared RULINGS "Languages and CSV").

import type { Language as BoardLanguage } from '../generated/http';

/** The languages of the UI: the board languages of shared_schema/http.json, each one. */
export const LANGUAGES = ['en', 'sv', 'nb', 'da'] as const satisfies readonly BoardLanguage[];

export type Language = (typeof LANGUAGES)[number];

// Every language a board can have is one the UI speaks (a type error when the schema grows).
const EVERY_BOARD_LANGUAGE: readonly Language[] = [] as BoardLanguage[];
void EVERY_BOARD_LANGUAGE;

/** Each language's name in itself, for the switcher (never translated: a reader finds their own). */
export const LANGUAGE_NAMES: Readonly<Record<Language, string>> = {
  en: 'English',
  sv: 'Svenska',
  nb: 'Norsk (bokmål)',
  da: 'Dansk',
};

/** The names the switcher shows (short, so it fits the top bar). */
export const SHORT_LANGUAGE_NAMES: Readonly<Record<Language, string>> = {
  en: 'English',
  sv: 'Svenska',
  nb: 'Norsk',
  da: 'Dansk',
};

/** The BCP 47 locale Intl formats with (dates, numbers, collation). */
export const LOCALES: Readonly<Record<Language, string>> = {
  en: 'en-GB',
  sv: 'sv-SE',
  nb: 'nb-NO',
  da: 'da-DK',
};

/** A language tag ("sv-SE", "no", "nn-NO", "EN") as one of ours, or null. `no` and `nn` are `nb`. */
export function languageOf(tag: unknown): Language | null {
  if (typeof tag !== 'string') return null;
  const primary = tag.trim().toLowerCase().split(/[-_]/)[0] ?? '';
  if (primary === 'no' || primary === 'nn') return 'nb';
  return (LANGUAGES as readonly string[]).includes(primary) ? (primary as Language) : null;
}

export interface LanguageSources {
  /** What the person picked in the switcher (kept in the browser), if anything. */
  readonly chosen: unknown;
  /** navigator.languages, most preferred first. */
  readonly browser: readonly string[];
  /** The board's language, when a board is open and its answer carried one. */
  readonly board: unknown;
}

/** The language to show: choice → browser's languages → board's language → en. */
export function pickLanguage(sources: LanguageSources): Language {
  const chosen = languageOf(sources.chosen);
  if (chosen !== null) return chosen;
  for (const tag of sources.browser) {
    const found = languageOf(tag);
    if (found !== null) return found;
  }
  return languageOf(sources.board) ?? 'en';
}
