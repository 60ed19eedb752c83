import { describe, expect, it } from 'vitest';
import { parseRoute } from './route';

describe('parseRoute', () => {
  it('reads the board id from the path and the token from the fragment', () => {
    expect(parseRoute('/b/abc', '#token=t.1')).toEqual({ page: 'board', boardId: 'abc', token: 't.1' });
    expect(parseRoute('/b/abc/', '')).toEqual({ page: 'board', boardId: 'abc', token: null });
    expect(parseRoute('/', '')).toEqual({ page: 'home' });
    expect(parseRoute('/x', '')).toEqual({ page: 'not-found' });
  });

  it('reads a workshop portfolio', () => {
    expect(parseRoute('/b/abc/portfolio', '#token=t.1')).toEqual({ page: 'portfolio', boardId: 'abc', token: 't.1' });
    expect(parseRoute('/b/abc/other', '')).toEqual({ page: 'not-found' });
  });
});
