import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { readCards } from '../state/content';
import { parseSession } from '../state/session';
import { BoardAccess } from './boardAccess.svelte';
import { BoardCommands } from './boardCommands.svelte';
import { BoardContent } from './boardContent.svelte';
import { BoardDrafts, wantsDrafts } from './boardDrafts.svelte';

const EMPTY = { board: {}, participants: {}, votes: {}, ratings: {}, progress: {} };

function parts(writing: Record<string, unknown>) {
  const access = new BoardAccess('B1', 'link', () => false);
  access.linkRole = 'participant';
  access.person = { token: 'T', participantId: 'p1', name: 'Ann' };
  access.session = parseSession({ ...EMPTY, session: { private_writing: writing } });
  const content = new BoardContent();
  const drafts = new BoardDrafts();
  const commands = new BoardCommands(access, content, drafts);
  const board = new Y.Doc();
  const own = new Y.Doc();
  commands.attach(board);
  content.attach(board);
  drafts.attach(own, (id) => board.getMap('cards').has(id));
  return { commands, drafts, board, own };
}

describe('private writing', () => {
  it('puts new cards in the private document while it is on, and edits them there', () => {
    const { commands, drafts, board, own } = parts({ on: true, lanes: null });
    const id = commands.addCard('pain', 's1');
    expect(id).not.toBeNull();
    expect(readCards(board)).toHaveLength(0);
    expect(drafts.cards.map((card) => [card.id, card.draft])).toEqual([[id, true]]);
    commands.editText(id ?? '', (text) => text.insert(0, 'only mine'));
    commands.moveCard(id ?? '', { stage: 's2', pos: 'b', kind: 'pain' });
    expect(readCards(own)[0]).toMatchObject({ text: 'only mine', stage: 's2' });
    expect(drafts.cell('s2', 'pain', () => true).map((card) => card.id)).toEqual([id]);
    commands.deleteCard(id ?? '');
    expect(drafts.cards).toHaveLength(0);
  });

  it('writes nothing for someone without a private document, and says why', () => {
    const access = new BoardAccess('B1', 'link', () => false);
    access.linkRole = 'facilitator';
    access.session = parseSession({ ...EMPTY, session: { private_writing: { on: true } } });
    const commands = new BoardCommands(access, new BoardContent(), new BoardDrafts());
    const board = new Y.Doc();
    commands.attach(board);
    expect(commands.addCard('pain', 's1')).toBeNull();
    expect(readCards(board)).toHaveLength(0);
    expect(commands.notice).toMatch(/name/);
  });

  it('keeps the lanes it does not cover, and everything when off, on the board', () => {
    const covered = parts({ on: true, lanes: ['pain'] });
    covered.commands.addCard('gain', 's1');
    expect(readCards(covered.board)).toHaveLength(1);
    const off = parts({ on: false, lanes: null });
    off.commands.addCard('pain', 's1');
    expect(readCards(off.board)).toHaveLength(1);
  });

  it('undoes a draft edit and a board edit, newest first', () => {
    const { commands, board, own } = parts({ on: true, lanes: ['pain'] });
    commands.attachDrafts(own);
    const draft = commands.addCard('pain', 's1') ?? '';
    commands.editingSession(null);
    const card = commands.addCard('gain', 's1') ?? '';
    expect(commands.canUndo).toBe(true);
    commands.undo();
    expect(board.getMap('cards').has(card)).toBe(false);
    expect(own.getMap('cards').has(draft)).toBe(true);
    commands.undo();
    expect(own.getMap('cards').has(draft)).toBe(false);
    commands.redo();
    expect(own.getMap('cards').has(draft)).toBe(true);
    expect(board.getMap('cards').has(card)).toBe(false);
  });

  it('hands text typed during a reveal to the revealed card', () => {
    const { commands, drafts, board, own } = parts({ on: true, lanes: null });
    const id = commands.addCard('pain', 's1') ?? '';
    commands.editText(id, (text) => text.insert(0, 'typed on'));
    // The server copied an older text into the board, then emptied the private document.
    board.transact(() => {
      const card = new Y.Map<unknown>();
      board.getMap('cards').set(id, card);
      card.set('kind', 'pain');
      card.set('stage', 's1');
      card.set('text', new Y.Text('typed'));
    });
    own.getMap('cards').delete(id);
    drafts.refresh();
    const kept: Array<[string, string]> = [];
    drafts.reconcile((moved, text) => kept.push([moved, text]));
    expect(kept).toEqual([[id, 'typed on']]);
    expect(drafts.cards).toHaveLength(0);
  });
});

describe('when the private socket opens', () => {
  const session = (json: Record<string, unknown>, drafts: Record<string, unknown> = {}) =>
    parseSession({ ...EMPTY, session: json, drafts });

  it('stays shut while private writing is off and nobody counts drafts of this person', () => {
    expect(wantsDrafts(session({}), 'p1')).toBe(false);
    expect(wantsDrafts(session({ private_writing: { on: false } }, { p2: { pain: 2 } }), 'p1')).toBe(false);
  });

  it('opens while private writing is on', () => {
    expect(wantsDrafts(session({ private_writing: { on: true, lanes: null } }), 'p1')).toBe(true);
  });

  it('opens for drafts of theirs after private writing went off (a publish, a reveal to finish)', () => {
    expect(wantsDrafts(session({ private_writing: { on: false } }, { p1: { pain: 1 } }), 'p1')).toBe(true);
  });

  it('opens for anyone in anonymous mode while any drafts are counted', () => {
    expect(wantsDrafts(session({ anonymous: true, drafts_total: 3 }), 'p1')).toBe(true);
    expect(wantsDrafts(session({ anonymous: true, drafts_total: 0 }), 'p1')).toBe(false);
  });
});
