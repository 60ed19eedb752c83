import { describe, expect, it } from 'vitest';
import type { Peer } from '../state/presence';
import { editorsOf, sameEditor } from './editors';

function peer(clientId: number, name: string, role: Peer['role'], editing: string | null): Peer {
  return { clientId, name, role, color: '#1f77b4', cursor: null, editing, participantId: null, view: null };
}

describe('who edits which card', () => {
  const ann = peer(1, 'Ann', 'participant', 'c1');
  const ben = peer(2, 'Ben', 'facilitator', 'c1');
  const viewer = peer(3, 'Vic', 'viewer', 'c2');
  const idle = peer(4, 'Ida', 'participant', null);

  it('names the first non-viewer peer that edits a card, and nobody for idle peers', () => {
    const editing = editorsOf([viewer, idle, ann, ben], new Map());
    expect([...editing.keys()]).toEqual(['c1']);
    expect(editing.get('c1')).toBe(ann);
  });

  it('keeps an unchanged editor object, and replaces one whose name or role changed', () => {
    const first = editorsOf([ann], new Map());
    const moved = { ...ann, cursor: { x: 5, y: 6 } };
    expect(editorsOf([moved], first).get('c1')).toBe(ann);
    const renamed = { ...ann, name: 'Anne' };
    expect(editorsOf([renamed], first).get('c1')).toBe(renamed);
    const demoted = { ...ann, role: 'viewer' as const };
    expect(editorsOf([demoted], first).size).toBe(0);
  });

  it('compares editors by who they are, not by where their cursor is', () => {
    const moved: Peer = { ...ann, cursor: { x: 1, y: 2 } };
    expect(sameEditor(ann, moved)).toBe(true);
    expect(sameEditor(ann, { ...ann, color: '#000000' })).toBe(false);
    expect(sameEditor(undefined, undefined)).toBe(true);
    expect(sameEditor(ann, undefined)).toBe(false);
  });
});
