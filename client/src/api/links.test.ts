import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiError, fetchLinks, linkToken, parseCreatedBoard, parseLinks, rotatedFacilitatorLink } from './boards';
import { loadLinks, saveLinks } from './credentials';
import { BoardModel } from '../ui/board.svelte';
import { parseSession } from '../state/session';
import { memoryStorage } from './memoryStorage';

const LINKS = {
  facilitator: 'http://h/b/B1#token=f',
  participant: 'http://h/b/B1#token=p',
  viewer: 'http://h/b/B1#token=v',
  reviewer: 'http://h/b/B1#token=r',
};


interface Call {
  readonly url: string;
  readonly auth: string | undefined;
}

/** A fetch that answers GET /links with `status` and `body`, and records what it was asked. */
function stubFetch(status: number, body: unknown): Call[] {
  const calls: Call[] = [];
  vi.stubGlobal('fetch', (url: string, init: RequestInit) => {
    const headers = (init.headers ?? {}) as Record<string, string>;
    calls.push({ url, auth: headers['Authorization'] });
    return Promise.resolve(new Response(JSON.stringify(body), { status }));
  });
  return calls;
}

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('links', () => {
  it('parses the three links and nothing less', () => {
    expect(parseLinks(LINKS)).toEqual(LINKS);
    expect(parseLinks({ ...LINKS, viewer: 3 })).toBeNull();
    expect(parseLinks(null)).toBeNull();
    expect(parseCreatedBoard({ id: 'B1', title: 'T', links: LINKS }).links).toEqual(LINKS);
    expect(() => parseCreatedBoard({ id: 'B1', links: {} })).toThrow(ApiError);
  });

  it('fetches them with the token, and says why not', async () => {
    const calls = stubFetch(200, { links: LINKS, server_now_ms: 1 });
    await expect(fetchLinks('B1', 'tok')).resolves.toEqual(LINKS);
    expect(calls).toEqual([{ url: '/api/boards/B1/links', auth: 'Bearer tok' }]);
    stubFetch(403, { error: { code: 'forbidden', message: 'only facilitators' } });
    await expect(fetchLinks('B1', 'tok')).rejects.toMatchObject({ status: 403, code: 'forbidden' });
    stubFetch(200, { links: { facilitator: 'x' } });
    await expect(fetchLinks('B1', 'tok')).rejects.toMatchObject({ code: 'bad_answer' });
  });

  it('loads them for a facilitator, keeps them, and falls back to the saved ones', async () => {
    vi.stubGlobal('window', { localStorage: memoryStorage() });
    const board = new BoardModel('B1', 'link-token');
    board.linkRole = 'facilitator';
    const calls = stubFetch(200, { links: LINKS });
    await board.loadLinks();
    expect(board.links).toEqual(LINKS);
    expect(loadLinks('B1')).toEqual(LINKS); // saveLinks keeps working as the fallback
    expect(calls[0]?.auth).toBe('Bearer link-token');

    const offline = new BoardModel('B1', 'link-token');
    offline.linkRole = 'facilitator';
    stubFetch(500, {});
    await offline.loadLinks();
    expect(offline.links).toEqual(LINKS);
    saveLinks('B1', { ...LINKS, viewer: 'http://h/b/B1#token=v2' });
    const stale = new BoardModel('B1', 'link-token');
    stale.linkRole = 'facilitator';
    await stale.loadLinks();
    expect(stale.links?.viewer).toBe('http://h/b/B1#token=v2');
  });

  it('loads them for a promoted participant with their own token, and not before', async () => {
    vi.stubGlobal('window', { localStorage: memoryStorage() });
    const board = new BoardModel('B1', 'participant-link');
    board.linkRole = 'participant';
    board.person = { token: 'ann-token', participantId: 'p1', name: 'Ann' };
    const entry = (role: string) => ({ p1: { name: 'Ann', role } });
    const empty = { board: {}, session: {}, votes: {}, ratings: {}, progress: {} };
    board.session = parseSession({ ...empty, participants: entry('participant') });
    const calls = stubFetch(200, { links: LINKS });
    await board.loadLinks();
    expect(calls).toEqual([]);
    expect(board.links).toBeNull();
    board.session = parseSession({ ...empty, participants: entry('facilitator') });
    await board.loadLinks();
    expect(calls).toEqual([{ url: '/api/boards/B1/links', auth: 'Bearer ann-token' }]);
    expect(board.links).toEqual(LINKS);
  });

  it('reads the facilitator link a removal rotated, and nothing else', () => {
    const link = 'http://h/b/B1#token=f2';
    expect(rotatedFacilitatorLink({ rotated: ['facilitator'], links: { facilitator: link } })).toBe(link);
    expect(rotatedFacilitatorLink({ rotated: [], links: {} })).toBeNull();
    expect(rotatedFacilitatorLink({ rotated: ['facilitator'], links: { facilitator: 3 } })).toBeNull();
    expect(rotatedFacilitatorLink(undefined)).toBeNull();
    expect(linkToken(link)).toBe('f2');
    expect(linkToken('/b/B1#token=a.b-c')).toBe('a.b-c');
    expect(linkToken('http://h/b/B1')).toBeNull();
  });

  it('keeps a rotated facilitator link and moves a page opened with the old one', () => {
    const replaced: string[] = [];
    const reopened: string[] = [];
    const location = { pathname: '/b/B1', replace: (url: string) => reopened.push(url) };
    const history = { state: null, replaceState: (_s: unknown, _t: string, url: string) => replaced.push(url) };
    vi.stubGlobal('window', { localStorage: memoryStorage(), location, history });
    const joined = new BoardModel('B1', 'old-facilitator-link');
    joined.linkRole = 'facilitator';
    joined.links = LINKS;
    joined.person = { token: 'lea-token', participantId: 'p1', name: 'Lea' };
    expect(joined.adoptFacilitatorLink('http://h/b/B1#token=f2')).toBe(false);
    expect(joined.links).toEqual({ ...LINKS, facilitator: 'http://h/b/B1#token=f2' });
    expect(loadLinks('B1')?.facilitator).toBe('http://h/b/B1#token=f2');
    expect(replaced).toEqual(['/b/B1#token=f2']);
    expect(reopened).toEqual([]);

    const linkOnly = new BoardModel('B1', 'old-facilitator-link');
    linkOnly.linkRole = 'facilitator';
    expect(linkOnly.adoptFacilitatorLink('http://h/b/B1#token=f3')).toBe(true);
    expect(reopened).toEqual(['/b/B1#token=f3']);

    const promoted = new BoardModel('B1', 'participant-link');
    promoted.linkRole = 'participant';
    promoted.person = { token: 'ann-token', participantId: 'p2', name: 'Ann' };
    expect(promoted.adoptFacilitatorLink('http://h/b/B1#token=f4')).toBe(false);
    expect(promoted.links?.facilitator).toBe('http://h/b/B1#token=f4');
    expect(replaced).toHaveLength(1);
    expect(reopened).toHaveLength(1);
  });
});
