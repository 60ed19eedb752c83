import { describe, expect, it } from 'vitest';
import { parseSession } from '../state/session';
import { BoardAccess } from './boardAccess.svelte';

const EMPTY = { board: {}, votes: {}, ratings: {}, progress: {} };

function session(role: string, locked = false) {
  return parseSession({ ...EMPTY, session: { locked }, participants: { p1: { name: 'Ann', role } } });
}

describe('who this page is', () => {
  it('treats a joined person by their role in the session, the link role before it says', () => {
    const access = new BoardAccess('B1', 'link', () => false);
    access.linkRole = 'participant';
    expect(access.waiting).toBe(true);
    expect(access.readOnly).toBe(true);
    access.person = { token: 'ann-token', participantId: 'p1', name: 'Ann' };
    expect(access.waiting).toBe(false);
    expect(access.token).toBe('ann-token');
    expect(access.role).toBe('participant');
    expect(access.readOnly).toBe(false);
    access.session = session('facilitator');
    expect(access.role).toBe('facilitator');
    expect(access.isFacilitator).toBe(true);
  });

  it('keeps a lock for everyone but facilitators, and a viewer read-only', () => {
    const access = new BoardAccess('B1', 'link', () => false);
    access.linkRole = 'participant';
    access.person = { token: 't', participantId: 'p1', name: 'Ann' };
    access.session = session('participant', true);
    expect(access.readOnly).toBe(true);
    access.session = session('facilitator', true);
    expect(access.readOnly).toBe(false);
    const viewer = new BoardAccess('B1', 'link', () => false);
    expect(viewer.role).toBe('viewer');
    expect(viewer.token).toBe('link');
    expect(viewer.readOnly).toBe(true);
  });

  it('lets nobody edit or facilitate after a final close', () => {
    let final = false;
    const access = new BoardAccess('B1', 'link', () => final);
    access.linkRole = 'facilitator';
    expect(access.readOnly).toBe(false);
    expect(access.isFacilitator).toBe(true);
    final = true;
    expect(access.readOnly).toBe(true);
    expect(access.isFacilitator).toBe(false);
    expect(access.role).toBe('facilitator');
  });
});
