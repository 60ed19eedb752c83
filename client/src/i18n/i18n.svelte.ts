// The client's one message catalogue per language, through i18next, and the live UI language.
// Components call `t('key')` inside their markup; since `t` reads the language (a rune), a
// switch re-renders every string at once without a reload.
//
// English is in the main bundle (the fallback, and the language most pages show); Swedish,
// Norwegian and Danish are each their own chunk, fetched when first wanted. The page shows a
// language only once its catalogue is in: main.ts waits for the first one before mounting, and
// a later switch keeps the language on screen until the new one has arrived (never raw keys).
import i18next from 'i18next';
import en from './en.json';
import { LOCALES, pickLanguage, type Language, languageOf } from './languages';

export type { Language } from './languages';

type Leaves<T, P extends string = ''> = {
  [K in keyof T & string]: T[K] extends string ? `${P}${K}` : Leaves<T[K], `${P}${K}.`>;
}[keyof T & string];

/** `x_one`/`x_other` are one key `x` used with a `count`. */
type Plural<K extends string> = K extends `${infer B}_one` | `${infer B}_other` ? B : K;

/** Every message the client shows: the English catalogue's keys. A misspelt key is a type error. */
export type MessageKey = Plural<Leaves<typeof en>>;

/** Values a message interpolates as `{{name}}`; `count` also picks the plural form. */
export type MessageValues = Readonly<Record<string, string | number>>;

type Catalogue = typeof en;

// The other catalogues must have the same shape as English (the vitest checks keys one by one).
const LOADERS: Readonly<Record<Exclude<Language, 'en'>, () => Promise<{ default: Catalogue }>>> = {
  sv: () => import('./sv.json'),
  nb: () => import('./nb.json'),
  da: () => import('./da.json'),
};

void i18next.init({
  resources: { en: { translation: en } },
  lng: 'en',
  fallbackLng: 'en',
  initAsync: false,
  // Svelte escapes every text it inserts; the catalogue never builds HTML.
  interpolation: { escapeValue: false },
  returnNull: false,
});

const STORAGE_KEY = 'journeyboard.language';

function storedChoice(): string | null {
  try {
    return window.localStorage.getItem(STORAGE_KEY);
  } catch {
    return null; // storage blocked: the choice lasts for this page only
  }
}

function browserLanguages(): readonly string[] {
  return typeof navigator === 'undefined' ? [] : navigator.languages;
}

/** The languages whose catalogue i18next holds; `catalogues.version` changes when one arrives. */
const loaded = new Set<Language>(['en']);
const pending = new Map<Language, Promise<boolean>>();
const catalogues = $state({ version: 0 });

/** Fetch `language`'s catalogue once; true when it is in (false when the fetch failed). */
export function loadLanguage(language: Language): Promise<boolean> {
  if (language === 'en' || loaded.has(language)) return Promise.resolve(true);
  let promise = pending.get(language);
  if (promise === undefined) {
    promise = LOADERS[language]().then(
      (module) => {
        i18next.addResourceBundle(language, 'translation', module.default);
        loaded.add(language);
        catalogues.version += 1;
        return true;
      },
      () => {
        pending.delete(language); // a later wish tries again; English stands in meanwhile
        return false;
      },
    );
    pending.set(language, promise);
  }
  return promise;
}

class UiLanguage {
  /** The board's own language, when a board is open (null on the home page or before its answer). */
  #board: string | null = null;
  #chosen: string | null = typeof window === 'undefined' ? null : storedChoice();
  /** The language wanted last (its catalogue may still be on its way). */
  #wanted: Language = this.#pick();
  #shown = $state<Language>('en');
  /** Settles when the wanted language is on screen (or its catalogue failed to arrive). */
  ready: Promise<void> = this.#follow();

  /** The language on screen: the wanted one as soon as its catalogue is in. */
  get current(): Language {
    return this.#shown;
  }

  #pick(): Language {
    return pickLanguage({ chosen: this.#chosen, browser: browserLanguages(), board: this.#board });
  }

  #follow(): Promise<void> {
    const wanted = (this.#wanted = this.#pick());
    if (loaded.has(wanted)) {
      this.#shown = wanted;
      return Promise.resolve();
    }
    return loadLanguage(wanted).then((ok) => {
      if (ok && this.#wanted === wanted) this.#shown = wanted;
    });
  }

  /** The person picked a language: show it as soon as its catalogue is in, and next time. */
  choose(language: Language): Promise<void> {
    this.#chosen = language;
    try {
      window.localStorage.setItem(STORAGE_KEY, language);
    } catch {
      // storage blocked: the choice still holds for this page
    }
    return (this.ready = this.#follow());
  }

  /** The open board's language (or null when the board is closed or its answer had none). */
  setBoardLanguage(tag: unknown): Promise<void> {
    this.#board = languageOf(tag);
    return (this.ready = this.#follow());
  }
}

export const uiLanguage = new UiLanguage();

/** The active language's locale for Intl ("sv-SE"). */
export function locale(): string {
  return LOCALES[uiLanguage.current];
}

/** Messages already looked up in `memoLanguage`: by key, or key and values (see `t`). */
const memo = new Map<string, string>();
let memoLanguage: Language | null = null;
/** The memo starts again past this many messages (values such as a name or a card's text). */
const MEMO_MOST = 4_000;

/**
 * A message in the active language. A board renders the same few messages for each of its
 * cards; i18next resolves a key in tens of microseconds, so each message is looked up once
 * per language (the catalogues never change while the page runs).
 */
export function t(key: MessageKey, values?: MessageValues): string {
  const language = uiLanguage.current; // read every time: a switch re-renders the caller
  if (language !== memoLanguage) {
    memo.clear();
    memoLanguage = language;
  }
  const id = values === undefined ? key : `${key}\u0000${JSON.stringify(values)}`;
  let text = memo.get(id);
  if (text === undefined) {
    text = i18next.t(key, { ...values, lng: language });
    if (memo.size >= MEMO_MOST) memo.clear();
    memo.set(id, text);
  }
  return text;
}

/**
 * A message split around one value, so the value can be set apart in the markup (bold):
 * `[before, after]` with `before + value + after` the whole message.
 */
export function tAround(key: MessageKey, name: string): readonly [string, string] {
  const mark = '\u0000';
  const [before = '', after = ''] = t(key, { [name]: mark }).split(mark);
  return [before, after];
}

/**
 * A message in a given language (a preview of what a new board will say): English until that
 * language's catalogue is in, then (the caller re-renders) the language's own.
 */
export function tIn(language: Language, key: MessageKey, values?: MessageValues): string {
  if (!loaded.has(language)) {
    void catalogues.version; // re-run when a catalogue arrives
    void loadLanguage(language);
  }
  return i18next.t(key, { ...values, lng: language });
}

/** A number in the active locale ("4,3" in Swedish). */
export function formatNumber(value: number, options?: Intl.NumberFormatOptions): string {
  return new Intl.NumberFormat(locale(), options).format(value);
}

/** Text sorted by the active locale's collation (å, ä, ö, æ, ø where each language puts them). */
export function compareText(a: string, b: string): number {
  return collator().compare(a, b);
}

let cachedCollator: { locale: string; collator: Intl.Collator } | null = null;

function collator(): Intl.Collator {
  const current = locale();
  if (cachedCollator?.locale !== current) {
    cachedCollator = { locale: current, collator: new Intl.Collator(current, { sensitivity: 'base' }) };
  }
  return cachedCollator.collator;
}

// <html lang> follows the language, for screen readers and hyphenation.
if (typeof document !== 'undefined') {
  $effect.root(() => {
    $effect(() => {
      document.documentElement.lang = uiLanguage.current;
    });
  });
}
