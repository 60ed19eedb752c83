// `t` looks each message up once per language (a board renders the same few for each card):
// what it answers is still the active language's, with the values it was given.
import { describe, expect, it } from 'vitest';
import { t, uiLanguage } from './i18n.svelte';

describe('t, remembered per language', () => {
  it('answers the same text again, and the new language after a switch', () => {
    uiLanguage.choose('en');
    expect(t('card.delete')).toBe('Delete card (Delete)');
    expect(t('card.delete')).toBe('Delete card (Delete)');
    uiLanguage.choose('sv');
    expect(t('card.delete')).toBe('Ta bort kortet (Delete)');
    uiLanguage.choose('en');
    expect(t('card.delete')).toBe('Delete card (Delete)');
  });

  it('keeps messages with different values apart', () => {
    uiLanguage.choose('en');
    const anna = t('details.author', { name: 'Anna' });
    const bo = t('details.author', { name: 'Bo' });
    expect(anna).toContain('Anna');
    expect(bo).toContain('Bo');
    expect(t('details.author', { name: 'Anna' })).toBe(anna);
  });
});
