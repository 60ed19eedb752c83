// The lazy screens: one fetch for every caller, another only after a failure (offline).
import { describe, expect, it } from 'vitest';
import { boardScreens, once } from './lazyScreens';

describe('lazy screens', () => {
  it('fetches once for every caller, and again after a failure', async () => {
    let calls = 0;
    let fail = true;
    const load = once(() => {
      calls += 1;
      return fail ? Promise.reject(new Error('offline')) : Promise.resolve({ default: 'screen' });
    });
    await expect(load()).rejects.toThrow('offline');
    fail = false;
    const [a, b] = await Promise.all([load(), load()]);
    expect(a.default).toBe('screen');
    expect(b).toBe(a);
    expect(calls).toBe(2);
  });

  it('prefetches the facilitator dialogs only for facilitators', () => {
    expect(boardScreens(false)).not.toContain('followUp');
    expect(boardScreens(true)).toContain('followUp');
    expect(boardScreens(true)).toEqual(expect.arrayContaining([...boardScreens(false)]));
  });
});
