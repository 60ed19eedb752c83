import { describe, expect, it } from 'vitest';
import { byPosThenId, lastPos, posAfter, posAt, posBetween } from './positions';

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

describe('posBetween', () => {
  it('lands strictly between two neighbours', () => {
    const pairs: Array<[string | undefined, string | undefined]> = [
      [undefined, undefined],
      ['m', undefined],
      [undefined, 'm'],
      ['m', 'n'],
      ['a0000', 'a0001'],
      ['a0005', 'a0006'],
      ['mz', 'n'],
      [undefined, 'a0000'],
      ['m', 'm1'],
    ];
    for (const [before, after] of pairs) {
      const pos = posBetween(before, after);
      if (before !== undefined) expect(pos > before).toBe(true);
      if (after !== undefined) expect(pos < after).toBe(true);
    }
  });

  it('keeps finding room after many inserts at the same place', () => {
    let low = 'm';
    const high = 'n';
    for (let i = 0; i < 200; i += 1) {
      const pos = posBetween(low, high);
      expect(pos > low && pos < high).toBe(true);
      low = pos;
    }
    let top = 'n';
    for (let i = 0; i < 200; i += 1) {
      const pos = posBetween('m', top);
      expect(pos > 'm' && pos < top).toBe(true);
      top = pos;
    }
  });

  it('still sorts after the lower bound for foreign positions', () => {
    expect(posBetween('~', 'é') > '~').toBe(true);
    expect(posBetween('b', 'a') > 'b').toBe(true);
  });

  it('posAt places an item between its new neighbours', () => {
    const siblings = [
      { id: 'a', pos: 'b' },
      { id: 'b', pos: 'd' },
    ];
    expect(posAt(siblings, 0) < 'b').toBe(true);
    const middle = posAt(siblings, 1);
    expect(middle > 'b' && middle < 'd').toBe(true);
    expect(posAt(siblings, 2) > 'd').toBe(true);
  });
});
