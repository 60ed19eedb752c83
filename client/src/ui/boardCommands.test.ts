import { afterEach, describe, expect, it, vi } from 'vitest';
import * as Y from 'yjs';
import { readCards } from '../state/content';
import { BoardAccess } from './boardAccess.svelte';
import { BoardCommands } from './boardCommands.svelte';
import { BoardContent } from './boardContent.svelte';
import { BoardDrafts } from './boardDrafts.svelte';

function parts(role: 'facilitator' | 'viewer' = 'facilitator') {
  const access = new BoardAccess('B1', 'link', () => false);
  access.linkRole = role;
  const content = new BoardContent();
  const commands = new BoardCommands(access, content, new BoardDrafts());
  const doc = new Y.Doc();
  commands.attach(doc);
  const stops = content.attach(doc);
  content.refresh();
  return { access, content, commands, doc, stops };
}

function text(doc: Y.Doc, id: string): string | undefined {
  return readCards(doc).find((card) => card.id === id)?.text;
}

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('commands and edits', () => {
  it('edits with this tab’s origin, and the layout follows', () => {
    const { content, commands, doc } = parts();
    commands.addStage('Incident');
    const stage = content.stages[0];
    expect(stage?.name).toBe('Incident');
    const id = commands.addCard('pain', stage?.id ?? '');
    expect(id).not.toBeNull();
    expect(content.cell(stage?.id ?? null, 'pain').map((card) => card.id)).toEqual([id]);
    expect(content.card(id ?? '')?.kind).toBe('pain');
    expect(content.pains).toHaveLength(1);
    expect(commands.canUndo).toBe(true);
    commands.deleteCard(id ?? '');
    expect(readCards(doc)).toEqual([]);
  });

  it('edits nothing for someone who may not', () => {
    const { content, commands, doc } = parts('viewer');
    commands.addStage('Incident');
    expect(content.stages).toEqual([]);
    expect(commands.addCard('pain', 's1')).toBeNull();
    expect(doc.getMap('stages').size).toBe(0);
  });

  it('makes a new card and the text typed into it one undo step, however slowly typed', () => {
    const { commands, doc } = parts();
    commands.addStage('Incident');
    const stageId = [...doc.getMap('stages').keys()][0] ?? '';
    const id = commands.addCard('note', stageId) ?? '';
    commands.editingSession(id);
    commands.editText(id, (t) => t.insert(0, 'Waits'));
    doc.transact(() => undefined, commands.origin); // time passes: still the same session
    commands.editText(id, (t) => t.insert(5, ' on hold'));
    commands.editingSession(null);
    expect(text(doc, id)).toBe('Waits on hold');
    commands.undo();
    expect(text(doc, id)).toBeUndefined();
    expect(doc.getMap('stages').size).toBe(1);
    commands.redo();
    expect(text(doc, id)).toBe('Waits on hold');
  });

  it('gives back what a removal took, and says why a command failed', async () => {
    const { commands, doc } = parts();
    commands.addStage('Incident');
    const stageId = [...doc.getMap('stages').keys()][0] ?? '';
    const id = commands.addCard('note', stageId) ?? '';
    const putBack = commands.removeCard(id);
    expect(readCards(doc)).toEqual([]);
    putBack?.();
    expect(readCards(doc).map((card) => card.id)).toEqual([id]);
    vi.stubGlobal('fetch', () =>
      Promise.resolve(new Response(JSON.stringify({ error: { code: 'forbidden', message: 'No.' } }), { status: 403 })),
    );
    await expect(commands.command({ type: 'lock', locked: true })).resolves.toBeUndefined();
    expect(commands.notice).toBe('No.');
  });
});
