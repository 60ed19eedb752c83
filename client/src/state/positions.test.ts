import { describe, expect, it } from 'vitest';
import { byPosThenId, lastPos, posAfter } from './positions';

describe('byPosThenId', () => {
  it('orders by pos, then by id for equal pos', () => {
    const items = [
      { id: 'b', pos: 'm' },
      { id: 'z', pos: 'a' },
      { id: 'a', pos: 'm' },
      { id: 'c', pos: '' },
    ];
    expect(items.sort(byPosThenId).map((item) => item.id)).toEqual(['c', 'z', 'a', 'b']);
  });

  it('compares code units, not locale order', () => {
    const items = [
      { id: '1', pos: 'a' },
      { id: '2', pos: 'B' },
    ];
    expect(items.sort(byPosThenId).map((item) => item.id)).toEqual(['2', '1']);
  });
});

describe('posAfter', () => {
  it('starts somewhere in the middle', () => {
    expect(posAfter()).toBe('m');
    expect(posAfter('')).toBe('m');
  });

  it('is always strictly greater than its input', () => {
    for (const last of ['m', '9', 'z', 'zz', 'a0', '~', 'Z', 'é']) {
      expect(posAfter(last) > last).toBe(true);
    }
  });

  it('keeps growing across many appends', () => {
    let pos = posAfter();
    for (let i = 0; i < 100; i += 1) {
      const next = posAfter(pos);
      expect(next > pos).toBe(true);
      pos = next;
    }
  });

  it('lastPos finds the greatest pos', () => {
    expect(lastPos([])).toBeUndefined();
    expect(lastPos([{ id: 'a', pos: 'n' }, { id: 'b', pos: 'zm' }, { id: 'c', pos: 'z' }])).toBe('zm');
  });
});
