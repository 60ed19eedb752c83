import { describe, expect, it } from 'vitest';
import table from '../../../shared_schema/close_codes.json';
import { CLOSE, closeCodeFor, indexCloseCodes, isFinalClose } from './closeCodes';

/** What a browser reports when a socket drops without a close frame (not in the table). */
const ABNORMAL_CLOSURE = 1006;

describe('close codes', () => {
  it('looks codes up from the shared table', () => {
    expect(closeCodeFor(CLOSE.UNAUTHORIZED.code)?.name).toBe('UNAUTHORIZED');
    expect(closeCodeFor(CLOSE.UNAUTHORIZED.code)?.final).toBe(true);
    expect(closeCodeFor(CLOSE.UNAUTHORIZED.code)?.message).toMatch(/link/i);
  });

  it('knows which codes are final', () => {
    expect(isFinalClose(CLOSE.NOT_FOUND.code)).toBe(true);
    expect(isFinalClose(CLOSE.SLOW_CONSUMER.code)).toBe(false);
    expect(isFinalClose(CLOSE.SERVICE_RESTART.code)).toBe(false);
    expect(isFinalClose(ABNORMAL_CLOSURE)).toBe(false);
    expect(closeCodeFor(ABNORMAL_CLOSURE)).toBeUndefined();
  });

  it('names every code of the shared table, with its number', () => {
    for (const [name, entry] of Object.entries(table.codes)) {
      expect(Object.values(CLOSE).find((c) => c.name === name)).toEqual({ name, ...entry });
    }
    expect(Object.keys(CLOSE)).toEqual(Object.keys(table.codes));
    expect(CLOSE.RATE_LIMITED.code).toBe(4429); // the numbers are the wire's: they never move
  });

  it('indexes close codes by number', () => {
    const index = indexCloseCodes([CLOSE.MALFORMED, CLOSE.UNREADABLE_UPDATE]);
    expect(index.get(4400)).toBe(CLOSE.MALFORMED);
    expect(index.get(4422)).toBe(CLOSE.UNREADABLE_UPDATE);
    expect(index.size).toBe(2);
  });
});
