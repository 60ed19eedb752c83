import { describe, expect, it } from 'vitest';
import { readPeers } from './presence';
import { parseSession } from './session';

const empty = { board: {}, participants: {}, votes: {}, ratings: {}, progress: {} };

describe('follow the facilitator', () => {
  it('reads session.follow as the leader, and anything else as nobody', () => {
    const on = parseSession({ ...empty, session: { follow: { participant: 'p1', name: 'Fay' } } });
    expect(on.follow).toEqual({ participant: 'p1', name: 'Fay', journey: null });
    const across = parseSession({ ...empty, session: { follow: { participant: 'p1', name: 'Fay', journey: 'j2' } } });
    expect(across.follow?.journey).toBe('j2');
    const unnamed = parseSession({ ...empty, session: { follow: { participant: 'p1', name: 3 } } });
    expect(unnamed.follow).toEqual({ participant: 'p1', name: '?', journey: null });
    for (const follow of [null, undefined, 'p1', {}, { participant: '' }, { participant: 7 }, []]) {
      expect(parseSession({ ...empty, session: { follow } }).follow).toBeNull();
    }
    expect(parseSession({ ...empty, session: {} }).follow).toBeNull();
  });

  it('finds the leader among the peers by the participant id the server stamps', () => {
    const states = new Map<number, unknown>([
      [1, { user: { id: 'me', name: 'Me', role: 'participant', color: '#000' } }],
      [2, { user: { id: 'p1', name: 'Fay', role: 'facilitator' }, view: 's1' }],
      [3, { user: { name: 'Facilitator', role: 'facilitator' } }],
      [4, { user: { id: 5, name: 'Odd', role: 'participant' } }],
      [5, { user: { id: '', name: 'Blank', role: 'viewer' } }],
    ]);
    const peers = readPeers(states, 1);
    expect(peers.map((p) => [p.name, p.participantId])).toEqual([
      ['Blank', null],
      ['Facilitator', null],
      ['Fay', 'p1'],
      ['Odd', null],
    ]);
    const follow = parseSession({ ...empty, session: { follow: { participant: 'p1', name: 'Fay' } } })
      .follow;
    expect(peers.find((p) => p.participantId === follow?.participant)?.clientId).toBe(2);
  });
});
