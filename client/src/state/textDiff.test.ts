import { describe, expect, it } from 'vitest';
import { diffText, shiftCaret } from './textDiff';

function apply(text: string, before: string, after: string): string {
  const edit = diffText(before, after);
  if (edit === null) return text;
  return text.slice(0, edit.index) + edit.insert + text.slice(edit.index + edit.remove);
}

describe('diffText', () => {
  it('finds a single insert, delete or replace', () => {
    expect(diffText('abc', 'abc')).toBeNull();
    expect(diffText('ac', 'abc')).toEqual({ index: 1, remove: 0, insert: 'b' });
    expect(diffText('abc', 'ac')).toEqual({ index: 1, remove: 1, insert: '' });
    expect(diffText('hello world', 'hello there')).toEqual({ index: 6, remove: 5, insert: 'there' });
    expect(diffText('', 'new')).toEqual({ index: 0, remove: 0, insert: 'new' });
  });

  it('handles repeated characters', () => {
    expect(apply('aaa', 'aaa', 'aaaa')).toBe('aaaa');
    expect(apply('abab', 'abab', 'ab')).toBe('ab');
  });

  it('never splits surrogate pairs', () => {
    const edit = diffText('a😀', 'a😃');
    expect(edit).not.toBeNull();
    expect(edit?.index).toBe(1);
    expect(edit?.remove).toBe(2);
    expect(apply('a😀', 'a😀', 'a😃')).toBe('a😃');
  });

  it('round-trips random edits', () => {
    const samples = ['', 'x', 'journey', 'pain point', 'ÅÄÖ', '<img src=x>'];
    for (const a of samples) for (const b of samples) expect(apply(a, a, b)).toBe(b);
  });
});

describe('shiftCaret', () => {
  it('moves a caret past an edit made before it', () => {
    expect(shiftCaret(5, { index: 0, remove: 0, insert: 'ab' })).toBe(7);
    expect(shiftCaret(1, { index: 3, remove: 2, insert: '' })).toBe(1);
    expect(shiftCaret(4, { index: 3, remove: 2, insert: 'xyz' })).toBe(6);
  });
});
