// Which page a URL shows (pure). The token travels in the fragment, never in the query.

export type Route =
  | { readonly page: 'home' }
  | { readonly page: 'board'; readonly boardId: string; readonly token: string | null }
  | { readonly page: 'portfolio'; readonly boardId: string; readonly token: string | null }
  | { readonly page: 'not-found' };

export function parseRoute(pathname: string, hash: string): Route {
  if (pathname === '/' || pathname === '') return { page: 'home' };
  // /b/{id} is a journey's board; /b/{id}/portfolio its workshop's portfolio.
  const match = /^\/b\/([^/]+)(\/portfolio)?\/?$/.exec(pathname);
  if (match === null || match[1] === undefined) return { page: 'not-found' };
  let boardId: string;
  try {
    boardId = decodeURIComponent(match[1]);
  } catch {
    return { page: 'not-found' };
  }
  const token = new URLSearchParams(hash.replace(/^#/, '')).get('token');
  const page = match[2] === undefined ? 'board' : 'portfolio';
  return { page, boardId, token: token === '' ? null : token };
}
