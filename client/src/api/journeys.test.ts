import { describe, expect, it } from 'vitest';
import { parseRoute } from '../route';
import { journeyPath } from './journeys';

describe('journeyPath', () => {
  it('keeps the token in the fragment and round-trips through the route', () => {
    const path = journeyPath('j 1', 'tok.en');
    expect(path).toBe('/b/j%201#token=tok.en');
    const [pathname = '', hash = ''] = path.split('#');
    expect(parseRoute(pathname, `#${hash}`)).toEqual({ page: 'board', boardId: 'j 1', token: 'tok.en' });
    expect(journeyPath('w', 't', 'portfolio')).toBe('/b/w/portfolio#token=t');
  });
});
