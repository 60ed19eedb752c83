import { describe, expect, it } from 'vitest';
import { roleChipText, roleName } from '../i18n/terms';
import { initials, inkOn, summarizePresence, type Peer } from './presence';

function peer(clientId: number, name: string, role: Peer['role']): Peer {
  return { clientId, name, role, color: '#1f77b4', cursor: null, editing: null, participantId: null, view: null };
}

describe('presence summary', () => {
  const ann = peer(1, 'Ann', 'participant');
  const ben = peer(2, 'Ben', 'participant');
  const viewer = peer(3, 'Viewer', 'viewer');

  it('counts yourself among the people, first', () => {
    const summary = summarizePresence([ann, ben, viewer], {
      name: 'Fay',
      role: 'facilitator',
      color: '#d62728',
    }, roleName);
    expect(summary.here).toBe(3);
    expect(summary.watching).toBe(1);
    expect(summary.people.map((p) => [p.name, p.self])).toEqual([
      ['Fay', true],
      ['Ann', false],
      ['Ben', false],
    ]);
  });

  it('counts a viewer among the watchers: alone, one is watching and nobody is here', () => {
    const alone = summarizePresence([], { name: null, role: 'viewer', color: '#5f6368' }, roleName);
    expect(alone.watching).toBe(1);
    expect(alone.here).toBe(0);
    expect(alone.viewers[0]).toMatchObject({ self: true, name: 'Viewer' });
    const withOthers = summarizePresence([ann, viewer], {
      name: null,
      role: 'viewer',
      color: '#5f6368',
    }, roleName);
    expect(withOthers.watching).toBe(2);
    expect(withOthers.here).toBe(1);
  });

  it('names a facilitator who has not joined by their role', () => {
    const summary = summarizePresence([], { name: null, role: 'facilitator', color: '#5f6368' }, roleName);
    expect(summary.people[0]).toMatchObject({ name: 'Facilitator', self: true });
  });

  it('keeps keys unique', () => {
    const summary = summarizePresence([ann, peer(4, 'Ann', 'participant')], {
      name: 'Ann',
      role: 'participant',
      color: '#fff',
    }, roleName);
    expect(new Set(summary.people.map((p) => p.key)).size).toBe(3);
  });
});

describe('avatars and the role chip', () => {
  it('makes initials from the first and last word', () => {
    expect(initials('Ann Berg')).toBe('AB');
    expect(initials('  maria  de la cruz ')).toBe('MC');
    expect(initials('fay')).toBe('F');
    expect(initials('Øyvind')).toBe('Ø');
    expect(initials('   ')).toBe('?');
  });

  it('picks the readable ink for a colour', () => {
    expect(inkOn('#1f77b4')).toBe('#fff');
    expect(inkOn('#bcbd22')).toBe('#000');
    expect(inkOn('#ff7f0e')).toBe('#000');
    expect(inkOn('#7f7f7f')).toBe('#000');
    expect(inkOn('#d62728')).toBe('#fff');
    expect(inkOn('#000')).toBe('#fff');
    expect(inkOn('not a colour')).toBe('#fff');
  });

  it('says who you are, and a viewer is just a viewer', () => {
    expect(roleChipText('Fay', 'facilitator')).toBe('Fay · Facilitator');
    expect(roleChipText(null, 'viewer')).toBe('Viewer');
    expect(roleChipText('Ann', 'viewer')).toBe('Viewer');
    expect(roleChipText(null, 'facilitator')).toBe('Not joined yet · Facilitator');
  });
});
