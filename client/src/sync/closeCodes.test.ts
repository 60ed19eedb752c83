import { describe, expect, it } from 'vitest';
import { closeCodeFor, indexCloseCodes, isFinalClose } from './closeCodes';

describe('close codes', () => {
  it('looks codes up from the shared table', () => {
    expect(closeCodeFor(4401)?.name).toBe('UNAUTHORIZED');
    expect(closeCodeFor(4401)?.final).toBe(true);
    expect(closeCodeFor(4401)?.message).toMatch(/link/i);
  });

  it('knows which codes are final', () => {
    expect(isFinalClose(4404)).toBe(true);
    expect(isFinalClose(4408)).toBe(false);
    expect(isFinalClose(1012)).toBe(false);
    expect(isFinalClose(1006)).toBe(false);
    expect(closeCodeFor(1006)).toBeUndefined();
  });

  it('indexes any table by numeric code', () => {
    const index = indexCloseCodes({ codes: { X: { code: 4999, final: true, message: 'm' } } });
    expect(index.get(4999)).toEqual({ name: 'X', code: 4999, final: true, message: 'm' });
  });
});
