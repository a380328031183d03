import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startLakeCli, type ServingProcess } from './processes.ts';

// Referential integrity in the lake, attacked as an outsider would: a real `scripts/lake.ts` child process on a free
// port, plain HTTP requests with an editor's token. Deleting (or unpublishing) a document that others strongly
// reference must answer 409 naming them and leave the document in place, by every route a client can take; the
// dataset must never be left holding a dangling strong reference, also after the process is killed and restarted.

const TOKEN = 'refs-attack-editor';
const API = '/v2025-02-19';

let dir: string;
let dataFile: string;
let lake: ServingProcess;

/** Starts `scripts/lake.ts --port 0` on the test's data file, with one editor token. */
function startLake(): Promise<ServingProcess> {
  return startLakeCli(dataFile, {
    env: { LAKE_TOKENS: JSON.stringify({ [TOKEN]: { role: 'editor', name: 'Attacker' } }) },
  });
}

async function call(
  method: 'GET' | 'POST',
  path: string,
  body?: unknown,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${lake.url}${API}${path}`, {
    method,
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

const mutate = (mutations: unknown[]) => call('POST', '/data/mutate/production?returnIds=true', { mutations });
const actions = (list: unknown[]) => call('POST', '/data/actions/production', { actions: list });

async function exists(...ids: string[]): Promise<string[]> {
  const { body } = await call('GET', `/data/doc/production/${ids.join(',')}`);
  return (body['documents'] as { _id: string }[]).map((doc) => doc._id).sort();
}

/** The first error item of a mutationError answer. */
function firstItem(body: Record<string, unknown>): Record<string, unknown> | undefined {
  const error = body['error'] as { items?: { error: Record<string, unknown> }[] } | undefined;
  return error?.items?.[0]?.error;
}

const tagRef = (id: string) => ({ _type: 'reference', _ref: id, _key: id });

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lake-refs-attack-'));
  dataFile = join(dir, 'data.ndjson');
  lake = await startLake();
  const seeded = await mutate([
    { create: { _id: 'tag-ukraine', _type: 'tag', name: 'Ukraine' } },
    { create: { _id: 'story-peace-plan', _type: 'story', title: 'Peace plan', tags: [tagRef('tag-ukraine')] } },
  ]);
  expect(seeded.status).toBe(200);
});

afterAll(async () => {
  await lake?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('a tag still on a story cannot be deleted', () => {
  test('delete by id answers 409 documentHasExistingReferencesError naming the story; the tag is still there', async () => {
    const { status, body } = await mutate([{ delete: { id: 'tag-ukraine' } }]);
    expect(status).toBe(409);
    expect(firstItem(body)).toMatchObject({
      type: 'documentHasExistingReferencesError',
      id: 'tag-ukraine',
      referencingIDs: ['story-peace-plan'],
    });
    expect(String(firstItem(body)?.['description'])).toContain('"story-peace-plan"');
    expect(await exists('tag-ukraine')).toEqual(['tag-ukraine']);
  });

  test.each([
    ['delete by query', () => mutate([{ delete: { query: '*[_type == "tag"]' } }])],
    ['the delete action', () => actions([{ actionType: 'sanity.action.document.delete', publishedId: 'tag-ukraine' }])],
    [
      'the unpublish action',
      () =>
        actions([
          { actionType: 'sanity.action.document.unpublish', publishedId: 'tag-ukraine', draftId: 'drafts.tag-ukraine' },
        ]),
    ],
    [
      'the story and the tag deleted, then the story created again with the tag, in one transaction',
      () =>
        mutate([
          { delete: { id: 'story-peace-plan' } },
          { delete: { id: 'tag-ukraine' } },
          { create: { _id: 'story-peace-plan', _type: 'story', tags: [tagRef('tag-ukraine')] } },
        ]),
    ],
  ])('%s answers 409 and changes nothing', async (_route, attempt) => {
    const { status, body } = await attempt();
    expect(status).toBe(409);
    expect(JSON.stringify(body)).toMatch(/documentHasExistingReferencesError|documentReferenceDoesNotExistError/);
    expect(await exists('tag-ukraine', 'story-peace-plan', 'drafts.tag-ukraine')).toEqual([
      'story-peace-plan',
      'tag-ukraine',
    ]);
  });

  test('a published story pointing at a tag that does not exist is refused with 409 and not written', async () => {
    const { status, body } = await mutate([
      { create: { _id: 'story-dangling', _type: 'story', tags: [tagRef('tag-never-made')] } },
    ]);
    expect(status).toBe(409);
    expect(firstItem(body)).toMatchObject({
      type: 'documentReferenceDoesNotExistError',
      id: 'story-dangling',
      referenceID: 'tag-never-made',
    });
    expect(await exists('story-dangling')).toEqual([]);
  });

  test('after kill -9 and a restart the index is rebuilt from the file and journal: the delete is still refused', async () => {
    const added = await mutate([
      { create: { _id: 'tag-nato', _type: 'tag', name: 'NATO' } },
      { create: { _id: 'story-summit', _type: 'story', tags: [tagRef('tag-nato')] } },
    ]);
    expect(added.status).toBe(200);
    await lake.stop('SIGKILL');
    lake = await startLake();
    const { status, body } = await mutate([{ delete: { id: 'tag-nato' } }]);
    expect(status).toBe(409);
    expect(firstItem(body)).toMatchObject({ referencingIDs: ['story-summit'] });
    expect(await exists('tag-nato')).toEqual(['tag-nato']);
  });

  test('deleting the tag and the story in one transaction works', async () => {
    const { status } = await mutate([{ delete: { id: 'tag-ukraine' } }, { delete: { id: 'story-peace-plan' } }]);
    expect(status).toBe(200);
    expect(await exists('tag-ukraine', 'story-peace-plan')).toEqual([]);
  });
});
