import { describe, expect, it } from 'vitest';
import type { Card } from './content';
import { safeLink, showsInspiration } from './links';

describe('safeLink', () => {
  it('keeps http and https URLs with a host', () => {
    expect(safeLink('https://example.org/cases?x=1&y=2')).toBe('https://example.org/cases?x=1&y=2');
    expect(safeLink('  http://example.org  ')).toBe('http://example.org');
    expect(safeLink('HTTPS://EXAMPLE.ORG/x')).toBe('HTTPS://EXAMPLE.ORG/x');
  });

  it('never makes a link of anything else', () => {
    for (const bad of [
      'javascript:alert(document.cookie)',
      ' JavaScript:alert(1)',
      'java\tscript:alert(1)',
      'data:text/html,x',
      'vbscript:x',
      'file:///etc/passwd',
      '//example.org',
      'example.org',
      'http://',
      'https:///path',
      'http://exa mple.org',
      'https://a.example/"onmouseover=x',
      '',
      undefined,
    ]) {
      expect(safeLink(bad), String(bad)).toBeNull();
    }
  });
});

describe('showsInspiration', () => {
  const card = (kind: string): Card => ({ id: kind, kind, stage: null, pos: 'a', text: '', author: '' });
  it('shows the lane with inspiration cards or in a follow-up', () => {
    expect(showsInspiration([card('pain')], 1)).toBe(false);
    expect(showsInspiration([card('pain'), card('inspiration')], 1)).toBe(true);
    expect(showsInspiration([], 2)).toBe(true);
  });
});
