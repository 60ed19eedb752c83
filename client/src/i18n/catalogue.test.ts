// The catalogues stay complete and in use: every language has exactly the keys English has,
// with the same {{placeholders}}, and every English key is used somewhere in the client's source.
import { describe, expect, it } from 'vitest';
import da from './da.json';
import en from './en.json';
import nb from './nb.json';
import sv from './sv.json';
import { languageOf, pickLanguage } from './languages';

type Tree = { readonly [key: string]: string | Tree };

function flatten(tree: Tree, prefix = ''): Map<string, string> {
  const out = new Map<string, string>();
  for (const [key, value] of Object.entries(tree)) {
    if (typeof value === 'string') out.set(prefix + key, value);
    else for (const [inner, text] of flatten(value, `${prefix}${key}.`)) out.set(inner, text);
  }
  return out;
}

const placeholders = (text: string): string[] => [...text.matchAll(/\{\{\s*(\w+)\s*\}\}/g)].map((m) => m[1] ?? '').sort();

const english = flatten(en);
const others = { sv: flatten(sv), nb: flatten(nb), da: flatten(da) };

// Every source file of the client as text (Vite reads them; tests are left out).
const SOURCES = import.meta.glob<string>(['../**/*.ts', '../**/*.svelte', '!../**/*.test.ts'], {
  query: '?raw',
  import: 'default',
  eager: true,
});

describe('the catalogues', () => {
  for (const [language, catalogue] of Object.entries(others)) {
    it(`${language} has every key English has, and no other`, () => {
      const missing = [...english.keys()].filter((key) => !catalogue.has(key));
      const extra = [...catalogue.keys()].filter((key) => !english.has(key));
      expect(missing, `${language} lacks these keys`).toEqual([]);
      expect(extra, `${language} has keys English does not`).toEqual([]);
    });

    it(`${language} keeps each message's placeholders and leaves none empty`, () => {
      for (const [key, text] of catalogue) {
        expect(text.trim(), `${language} ${key} is empty`).not.toBe('');
        const source = english.get(key);
        if (source !== undefined) expect(placeholders(text), `${language} ${key}`).toEqual(placeholders(source));
      }
    });
  }

  it('uses every English key in the source (a key is used where its name is quoted)', () => {
    expect(Object.keys(SOURCES).length).toBeGreaterThan(40);
    const code = Object.values(SOURCES).join('\n');
    const bases = new Set([...english.keys()].map((key) => key.replace(/_(zero|one|two|few|many|other)$/, '')));
    const unused = [...bases].filter((key) => !code.includes(`'${key}'`) && !code.includes(`"${key}"`));
    expect(unused, 'keys no source uses').toEqual([]);
  });

  it('gives each plural both its forms', () => {
    for (const key of english.keys()) {
      const one = /^(.*)_one$/.exec(key);
      if (one !== null) expect(english.has(`${one[1]}_other`), key).toBe(true);
    }
  });
});

describe('choosing the language', () => {
  it('reads language tags, with no and nn as bokmål', () => {
    expect(languageOf('sv-SE')).toBe('sv');
    expect(languageOf('no')).toBe('nb');
    expect(languageOf('nn-NO')).toBe('nb');
    expect(languageOf('nb')).toBe('nb');
    expect(languageOf('DA')).toBe('da');
    expect(languageOf('de-DE')).toBeNull();
    expect(languageOf(undefined)).toBeNull();
  });

  it('prefers the choice, then the browser, then the board, then English', () => {
    expect(pickLanguage({ chosen: 'da', browser: ['sv-SE'], board: 'nb' })).toBe('da');
    expect(pickLanguage({ chosen: null, browser: ['de-DE', 'nn', 'sv'], board: 'da' })).toBe('nb');
    expect(pickLanguage({ chosen: 'xx', browser: ['fr'], board: 'da' })).toBe('da');
    expect(pickLanguage({ chosen: null, browser: [], board: undefined })).toBe('en');
  });
});
