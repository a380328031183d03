import type { SanityClient } from '@sanity/client';
import { applyPatch } from 'mendoza';
import { readFile, stat, truncate, writeFile } from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { startTestLake, TOKENS, type TestLake } from './lake-harness.ts';

// The History API as the Studio uses it: the transactions of a document pair (newest first, paged with an inclusive
// toTransaction, per-field mendoza effects), the documents at a revision or a time, and restoring one through
// replaceDraft. Every current _rev must be a transaction id in the answer, also for documents loaded without any
// history, or the Studio cannot line its timeline up.

let t: TestLake;
beforeEach(async () => {
  t = await startTestLake();
});
afterEach(async () => {
  await t.close();
});

interface Line {
  id: string;
  timestamp: string;
  author: string;
  documentIDs: string[];
  effects?: Record<string, { apply: unknown[]; revert: unknown[] }>;
  mutations?: unknown[];
}

/** The Studio's legacy timeline request for a document pair. */
const STUDIO =
  'tag=sanity.studio.structure.history&effectFormat=mendoza&excludeContent=true&excludeMutations=true&includeIdentifiedDocumentsOnly=true&reverse=true';

async function get(path: string, token: string | null = TOKENS.editor): Promise<{ status: number; text: string }> {
  const response = await fetch(`${t.lake.url}/v2025-02-19/data/history/production/${path}`, {
    headers: token === null ? {} : { authorization: `Bearer ${token}` },
  });
  return { status: response.status, text: await response.text() };
}

async function transactions(ids: string, query = STUDIO, token?: string): Promise<Line[]> {
  const { status, text } = await get(`transactions/${ids}?${query}`, token);
  expect(status, text).toBe(200);
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Line);
}

async function documentsAt(ids: string, query: string): Promise<Record<string, unknown>[]> {
  const { status, text } = await get(`documents/${ids}?${query}`);
  expect(status, text).toBe(200);
  return (JSON.parse(text) as { documents: Record<string, unknown>[] }).documents;
}

async function act(client: SanityClient, actions: Parameters<SanityClient['action']>[0], transactionId: string) {
  await client.action(actions, { transactionId });
}

/** Drafts a story, publishes it, then edits the draft: the pair's history has four transactions. */
async function storyWithHistory(client: SanityClient): Promise<void> {
  await act(
    client,
    {
      actionType: 'sanity.action.document.create',
      publishedId: 'story-a',
      attributes: { _id: 'drafts.story-a', _type: 'story', title: 'First headline', dek: 'Dek' },
      ifExists: 'fail',
    },
    'tx-create',
  );
  await act(
    client,
    {
      actionType: 'sanity.action.document.edit',
      draftId: 'drafts.story-a',
      publishedId: 'story-a',
      patch: { set: { dek: 'Better dek' } },
    },
    'tx-dek',
  );
  await act(
    client,
    { actionType: 'sanity.action.document.publish', draftId: 'drafts.story-a', publishedId: 'story-a' },
    'tx-publish',
  );
  await act(
    client,
    {
      actionType: 'sanity.action.document.create',
      publishedId: 'story-a',
      attributes: { _id: 'drafts.story-a', _type: 'story', title: 'Second headline', dek: 'Better dek' },
      ifExists: 'fail',
    },
    'tx-edit',
  );
}

/** Each document's state after every line, replayed forward from nothing with the `apply` effects. */
function replay(lines: readonly Line[], id: string): unknown {
  let state: unknown = null;
  for (const line of lines) {
    const effect = line.effects?.[id];
    if (effect !== undefined) state = applyPatch(state, effect.apply as never);
  }
  return state;
}

describe('transactions', () => {
  test('lists a pair newest first, with author, per-field effects that replay to the current documents, and no lake fields', async () => {
    const client = t.client();
    await storyWithHistory(client);
    const lines = await transactions('story-a,drafts.story-a');
    expect(lines.map((line) => line.id)).toEqual(['tx-edit', 'tx-publish', 'tx-dek', 'tx-create']);
    expect(lines[0]).toMatchObject({ author: 'lake-test-editor', documentIDs: ['drafts.story-a'] });
    expect(lines[1]?.documentIDs.sort()).toEqual(['drafts.story-a', 'story-a']);
    for (const line of lines) {
      expect(Object.keys(line).sort()).toEqual(['author', 'documentIDs', 'effects', 'id', 'timestamp']);
    }
    // The dek edit touches the dek (and _updatedAt) only: Review changes attributes just that field to it.
    expect(JSON.stringify(lines[2]?.effects?.['drafts.story-a']?.apply)).toContain('Better dek');
    expect(JSON.stringify(lines[2]?.effects?.['drafts.story-a']?.apply)).not.toContain('First headline');
    const chronological = [...lines].reverse();
    const { _rev: publishedRev, ...published } = (await client.getDocument('story-a')) ?? {};
    const { _rev: draftRev, ...draft } =
      (await client.withConfig({ perspective: 'raw' }).getDocument('drafts.story-a')) ?? {};
    expect(publishedRev).toBe('tx-publish');
    expect(draftRev).toBe('tx-edit');
    expect(replay(chronological, 'story-a')).toEqual(published);
    expect(replay(chronological, 'drafts.story-a')).toEqual(draft);
  });

  test('pages with limit and an inclusive toTransaction, as the Studio does; oldest first without reverse', async () => {
    await storyWithHistory(t.client());
    const ids = 'story-a,drafts.story-a';
    const first = await transactions(ids, `${STUDIO}&limit=2`);
    expect(first.map((line) => line.id)).toEqual(['tx-edit', 'tx-publish']);
    const second = await transactions(ids, `${STUDIO}&limit=2&toTransaction=tx-publish`);
    expect(second.map((line) => line.id)).toEqual(['tx-publish', 'tx-dek']);
    const forward = await transactions(ids, 'fromTransaction=tx-dek&toTransaction=tx-publish');
    expect(forward.map((line) => line.id)).toEqual(['tx-dek', 'tx-publish']);
    expect(forward[0]?.mutations).toEqual([{ patch: { id: 'drafts.story-a', set: { dek: 'Better dek' } } }]);
    expect(forward[0]).not.toHaveProperty('effects');
  });

  test('documents loaded without history answer a squashed create whose id is their current _rev', async () => {
    const times = { _createdAt: '2026-01-01T00:00:00Z', _updatedAt: '2026-01-02T00:00:00Z' };
    const published = { _id: 'story-b', _type: 'story', ...times, title: 'Old' };
    const draft = { _id: 'drafts.story-b', _type: 'story', ...times, title: 'Old draft' };
    const other = { _id: 'story-c', _type: 'story', ...times, title: 'C' };
    await t.lake.close();
    await writeFile(
      t.dataFile,
      [
        { ...published, _rev: 'import-rev' },
        { ...draft, _rev: 'import-rev' },
        { ...other, _rev: 'rev-c' },
      ]
        .map((doc) => `${JSON.stringify(doc)}\n`)
        .join(''),
    );
    await t.restart();
    // A draft and a published document of one import share their _rev, and so one line.
    const lines = await transactions('story-b,drafts.story-b');
    expect(lines).toEqual([
      {
        id: 'import-rev',
        timestamp: '2026-01-02T00:00:00Z',
        author: '',
        documentIDs: ['story-b', 'drafts.story-b'],
        effects: {
          'story-b': { apply: [0, published], revert: [0, null] },
          'drafts.story-b': { apply: [0, draft], revert: [0, null] },
        },
      },
    ]);
    // Edited later, its history starts with the squashed create of its state before the first logged change.
    await t.client().patch('story-c').set({ title: 'C edited' }).commit({ transactionId: 'tx-c' });
    const edited = await transactions('story-c,drafts.story-c');
    expect(edited.map((line) => line.id)).toEqual(['tx-c', 'rev-c']);
    expect(replay([...edited].reverse(), 'story-c')).toMatchObject({ title: 'C edited' });
    expect(await documentsAt('story-c', 'revision=rev-c')).toEqual([{ ...other, _rev: 'rev-c' }]);
  });
});

describe('documents at a revision', () => {
  test('revision, time and lastRevision give each document as it was, with _rev the transaction that made it', async () => {
    const client = t.client();
    await storyWithHistory(client);
    expect(await documentsAt('story-a,drafts.story-a', 'revision=tx-dek')).toEqual([
      expect.objectContaining({ _id: 'drafts.story-a', _rev: 'tx-dek', title: 'First headline', dek: 'Better dek' }),
    ]);
    expect(await documentsAt('story-a,drafts.story-a', 'revision=tx-publish')).toEqual([
      expect.objectContaining({ _id: 'story-a', _rev: 'tx-publish', title: 'First headline' }),
    ]);
    expect(await documentsAt('story-a,drafts.story-a', 'revision=tx-edit')).toEqual([
      await client.getDocument('story-a'),
      await client.withConfig({ perspective: 'raw' }).getDocument('drafts.story-a'),
    ]);
    expect(await documentsAt('story-a', 'time=2000-01-01T00:00:00Z')).toEqual([]);
    expect(await documentsAt('story-a', `time=${new Date(Date.now() + 60_000).toISOString()}`)).toEqual([
      await client.getDocument('story-a'),
    ]);
    await client.delete('drafts.story-a');
    expect(await documentsAt('drafts.story-a', 'lastRevision=true')).toEqual([
      expect.objectContaining({ _id: 'drafts.story-a', _rev: 'tx-edit', title: 'Second headline' }),
    ]);
  });

  test('restore: the revision replaces the draft through replaceDraft, its stale _rev ignored', async () => {
    const client = t.client();
    await storyWithHistory(client);
    const [old] = await documentsAt('drafts.story-a', 'revision=tx-dek');
    const { _updatedAt: _dropped, ...attributes } = old ?? {};
    expect(attributes['_rev']).toBe('tx-dek');
    await client.action(
      {
        actionType: 'sanity.action.document.replaceDraft',
        publishedId: 'story-a',
        attributes: { ...attributes, _id: 'drafts.story-a', _type: 'story' },
      },
      { transactionId: 'tx-restore' },
    );
    expect(await client.withConfig({ perspective: 'raw' }).getDocument('drafts.story-a')).toMatchObject({
      title: 'First headline',
      _rev: 'tx-restore',
    });
    const lines = await transactions('story-a,drafts.story-a', `${STUDIO}&limit=1`);
    expect(lines.map((line) => line.id)).toEqual(['tx-restore']);
  });
});

describe('requests are checked and bounded', () => {
  test('a token is needed (anonymous callers have no history permission); a viewer reads it', async () => {
    await storyWithHistory(t.client());
    expect((await get('transactions/story-a', null)).status).toBe(401);
    expect((await get('documents/story-a?revision=tx-publish', null)).status).toBe(401);
    expect((await transactions('story-a', STUDIO, TOKENS.viewer)).map((line) => line.id)).toEqual(['tx-publish']);
  });

  test.each([
    ['transactions/story-a?limit=0', 400],
    ['transactions/story-a?limit=1001', 400],
    ['transactions/story-a?fromTime=yesterday', 400],
    [`transactions/${Array.from({ length: 21 }, (_, i) => `s${i}`).join(',')}`, 400],
    ['transactions/bad%20id', 400],
    ['transactions/', 400],
    ['documents/story-a', 400],
    ['documents/story-a?revision=x&lastRevision=true', 400],
  ])('GET %s answers %i', async (path, status) => {
    expect((await get(path)).status).toBe(status);
  });

  test('an unknown dataset answers 404', async () => {
    const response = await fetch(`${t.lake.url}/v2025-02-19/data/history/nowhere/transactions/story-a`, {
      headers: { authorization: `Bearer ${TOKENS.editor}` },
    });
    expect(response.status).toBe(404);
  });
});

describe('the log on disk', () => {
  test('survives restarts and snapshots, is private, and a deleted dataset takes it along', async () => {
    await storyWithHistory(t.client());
    await t.client().transaction().delete('drafts.story-a').commit({ transactionId: 'tx-discard' });
    await t.restart();
    // A deleted draft is no gap to repair: the log is as it was.
    expect((await transactions('story-a,drafts.story-a')).map((line) => line.id)).toEqual([
      'tx-discard',
      'tx-edit',
      'tx-publish',
      'tx-dek',
      'tx-create',
    ]);
    expect((await stat(`${t.dataFile}.history`)).mode & 0o777).toBe(0o600);
    const admin = t.client(TOKENS.admin);
    await admin.datasets.create('scratch');
    await t.client(TOKENS.editor, '2025-02-19', 'scratch').create({ _id: 'x', _type: 'story' });
    const scratch = t.dataFile.replace(/data\.ndjson$/, 'data.scratch.ndjson.history');
    expect((await stat(scratch)).size).toBeGreaterThan(0);
    await admin.datasets.delete('scratch');
    await expect(stat(scratch)).rejects.toThrow();
  });

  test('a log that lost its last lines in a crash is repaired: each current _rev is a transaction again', async () => {
    await storyWithHistory(t.client());
    await t.lake.close();
    const file = `${t.dataFile}.history`;
    const text = await readFile(file, 'utf8');
    const lines = text.split('\n').filter((line) => line !== '');
    // The last line gone, and the one before it cut in the middle.
    const kept = lines.slice(0, -2).join('\n') + '\n';
    await writeFile(file, kept + (lines.at(-2) ?? '').slice(0, 40));
    await t.restart();
    // The draft's lost edit comes back as one step; the published document, which lost its only line, starts
    // with a squashed create.
    const answered = await transactions('story-a,drafts.story-a');
    expect(answered.map((line) => line.id)).toEqual(['tx-edit', 'tx-dek', 'tx-create', 'tx-publish']);
    expect(replay([...answered].reverse(), 'drafts.story-a')).toMatchObject({ title: 'Second headline' });
    expect(replay([...answered].reverse(), 'story-a')).toMatchObject({ title: 'First headline' });
    await truncate(file, 0);
  });
});
