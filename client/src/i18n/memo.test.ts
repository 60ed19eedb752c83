// `t` looks each message up once per language (a board renders the same few for each card):
// what it answers is still the active language's, with the values it was given.
import { describe, expect, it } from 'vitest';
import { loadLanguage, t, tIn, uiLanguage } from './i18n.svelte';

describe('t, remembered per language', () => {
  it('answers the same text again, and the new language after a switch', async () => {
    await uiLanguage.choose('en');
    expect(t('card.delete')).toBe('Delete card (Delete)');
    expect(t('card.delete')).toBe('Delete card (Delete)');
    await uiLanguage.choose('sv');
    expect(t('card.delete')).toBe('Ta bort kortet (Delete)');
    await uiLanguage.choose('en');
    expect(t('card.delete')).toBe('Delete card (Delete)');
  });

  it('keeps messages with different values apart', async () => {
    await uiLanguage.choose('en');
    const anna = t('details.author', { name: 'Anna' });
    const bo = t('details.author', { name: 'Bo' });
    expect(anna).toContain('Anna');
    expect(bo).toContain('Bo');
    expect(t('details.author', { name: 'Anna' })).toBe(anna);
  });
});

describe('catalogues fetched when first wanted', () => {
  it('keeps the language on screen until the wanted one is in, never showing keys', async () => {
    await uiLanguage.choose('en');
    const switching = uiLanguage.choose('da');
    // Until Danish is in, English stays (its text, not the key).
    if (uiLanguage.current !== 'da') expect(t('card.delete')).toBe('Delete card (Delete)');
    await switching;
    expect(uiLanguage.current).toBe('da');
    expect(t('card.delete')).not.toBe('card.delete');
    expect(t('card.delete')).not.toBe('Delete card (Delete)');
    await uiLanguage.choose('en');
  });

  it('previews a board language in English until its catalogue is in, then in its own', async () => {
    await loadLanguage('nb');
    expect(tIn('nb', 'card.delete')).not.toBe('Delete card (Delete)');
    expect(tIn('nb', 'card.delete')).not.toBe('card.delete');
  });
});
