import type { ListenEvent, SanityClient } from '@sanity/client';
import { applyPatch } from 'mendoza';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, test } from 'vitest';
import { failure, startTestLake, TOKENS, type TestLake } from './lake-harness.ts';

// The Actions API as the Studio drives it: create a draft, edit it with patches (diffMatchPatch included),
// publish (one transaction: published replaced, draft deleted), unpublish, discard, delete.

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function lake(extra: Parameters<typeof startTestLake>[0] = {}): Promise<TestLake> {
  const t = await startTestLake(extra);
  cleanups.push(() => t.close());
  return t;
}

type Action = Parameters<SanityClient['action']>[0];

/** Sends actions as the Studio does (API v2025-02-19, its own transaction id) and returns the transaction id. */
async function act(client: SanityClient, actions: Action, transactionId?: string): Promise<string> {
  const result = await client
    .withConfig({ apiVersion: '2025-02-19' })
    .action(actions, transactionId === undefined ? {} : { transactionId });
  return result.transactionId;
}

const draftOf = (title: string) => ({ _id: 'drafts.story-a', _type: 'story', title, dek: 'Dek' });

describe('actions', () => {
  test('create, edit with set and diffMatchPatch, publish: the client transaction id becomes _rev', async () => {
    const t = await lake();
    const client = t.client().withConfig({ perspective: 'raw' });
    await act(
      client,
      [
        {
          actionType: 'sanity.action.document.create',
          publishedId: 'story-a',
          attributes: draftOf('Budget vote'),
          ifExists: 'fail',
        },
      ],
      'tx-create',
    );
    await act(client, [
      {
        actionType: 'sanity.action.document.edit',
        draftId: 'drafts.story-a',
        publishedId: 'story-a',
        patch: { set: { dek: 'New dek' } },
      },
      {
        actionType: 'sanity.action.document.edit',
        draftId: 'drafts.story-a',
        publishedId: 'story-a',
        patch: { diffMatchPatch: { title: '@@ -1,11 +1,19 @@\n Budget vote\n+ delayed\n' } },
      },
    ]);
    expect(await client.getDocument('drafts.story-a')).toMatchObject({ title: 'Budget vote delayed', dek: 'New dek' });
    const txId = await act(
      client,
      { actionType: 'sanity.action.document.publish', draftId: 'drafts.story-a', publishedId: 'story-a' },
      'tx-publish-1',
    );
    expect(txId).toBe('tx-publish-1');
    expect(await client.getDocument('drafts.story-a')).toBeUndefined();
    expect(await client.getDocument('story-a')).toMatchObject({
      _id: 'story-a',
      _type: 'story',
      title: 'Budget vote delayed',
      _rev: 'tx-publish-1',
    });
  });

  test('create with ifExists "fail" answers 409 for an existing draft; "ignore" does nothing', async () => {
    const t = await lake();
    const client = t.client();
    await act(client, {
      actionType: 'sanity.action.document.create',
      publishedId: 'story-a',
      attributes: draftOf('One'),
      ifExists: 'fail',
    });
    const error = await failure(
      act(client, {
        actionType: 'sanity.action.document.create',
        publishedId: 'story-a',
        attributes: draftOf('Two'),
        ifExists: 'fail',
      }),
    );
    expect(error.statusCode).toBe(409);
    expect(error.body).toMatchObject({
      error: {
        type: 'mutationError',
        items: [{ index: 0, error: { type: 'documentAlreadyExistsError', id: 'drafts.story-a' } }],
      },
    });
    await act(client, {
      actionType: 'sanity.action.document.create',
      publishedId: 'story-a',
      attributes: draftOf('Two'),
      ifExists: 'ignore',
    });
    expect(await client.withConfig({ perspective: 'raw' }).getDocument('drafts.story-a')).toMatchObject({
      title: 'One',
    });
  });

  test('editing a published document without a draft copies it into a new draft first', async () => {
    const t = await lake();
    const client = t.client().withConfig({ perspective: 'raw' });
    await client.create({ _id: 'story-a', _type: 'story', title: 'Live', dek: 'Kept' });
    await act(client, {
      actionType: 'sanity.action.document.edit',
      draftId: 'drafts.story-a',
      publishedId: 'story-a',
      patch: { set: { title: 'Edited' } },
    });
    expect(await client.getDocument('drafts.story-a')).toMatchObject({ title: 'Edited', dek: 'Kept' });
    expect(await client.getDocument('story-a')).toMatchObject({ title: 'Live' });
  });

  test('publish checks ifPublishedRevisionId and ifDraftRevisionId (409) and needs a draft (404)', async () => {
    const t = await lake();
    const client = t.client();
    await client.create({ _id: 'story-a', _type: 'story', title: 'Live' });
    await client.create(draftOf('Draft'));
    const stale = await failure(
      act(client, {
        actionType: 'sanity.action.document.publish',
        draftId: 'drafts.story-a',
        publishedId: 'story-a',
        ifPublishedRevisionId: 'old-rev',
      }),
    );
    expect(stale.statusCode).toBe(409);
    expect(stale.body).toMatchObject({
      error: { items: [{ error: { type: 'documentRevisionIDDoesNotMatchError', expectedRevisionID: 'old-rev' } }] },
    });
    const staleDraft = await failure(
      act(client, {
        actionType: 'sanity.action.document.publish',
        draftId: 'drafts.story-a',
        publishedId: 'story-a',
        ifDraftRevisionId: 'old-rev',
      }),
    );
    expect(staleDraft.statusCode).toBe(409);
    const missing = await failure(
      act(client, { actionType: 'sanity.action.document.publish', draftId: 'drafts.other', publishedId: 'other' }),
    );
    expect(missing.statusCode).toBe(404);
    expect(missing.message).toContain('its draft "drafts.other" does not exist');
  });

  test('unpublish keeps the content as a draft; discard and delete remove what they name', async () => {
    const t = await lake();
    const client = t.client().withConfig({ perspective: 'raw' });
    await client.create({ _id: 'story-a', _type: 'story', title: 'Live' });
    await act(client, {
      actionType: 'sanity.action.document.unpublish',
      draftId: 'drafts.story-a',
      publishedId: 'story-a',
    });
    expect(await client.getDocument('story-a')).toBeUndefined();
    expect(await client.getDocument('drafts.story-a')).toMatchObject({ title: 'Live' });
    await act(client, { actionType: 'sanity.action.document.discard', draftId: 'drafts.story-a' });
    expect(await client.getDocument('drafts.story-a')).toBeUndefined();
    await client.create({ _id: 'story-b', _type: 'story', title: 'B' });
    await client.create({ _id: 'drafts.story-b', _type: 'story', title: 'B draft' });
    await act(client, {
      actionType: 'sanity.action.document.delete',
      publishedId: 'story-b',
      includeDrafts: ['drafts.story-b'],
    });
    expect(await client.fetch('count(*[_id in ["story-b", "drafts.story-b"]])')).toBe(0);
  });

  test('a failing action rolls back the whole request and names its index', async () => {
    const t = await lake();
    const client = t.client().withConfig({ perspective: 'raw' });
    const error = await failure(
      act(client, [
        {
          actionType: 'sanity.action.document.create',
          publishedId: 'story-a',
          attributes: draftOf('A'),
          ifExists: 'fail',
        },
        { actionType: 'sanity.action.document.publish', draftId: 'drafts.nope', publishedId: 'nope' },
      ]),
    );
    expect(error.statusCode).toBe(404);
    expect(error.body).toMatchObject({ error: { items: [{ index: 1 }] } });
    expect(await client.fetch('count(*)')).toBe(0);
  });

  test('a viewer gets 403 insufficientPermissionsError and nothing changes', async () => {
    const t = await lake();
    await t.client().create(draftOf('Draft'));
    const error = await failure(
      act(t.client(TOKENS.viewer), {
        actionType: 'sanity.action.document.publish',
        draftId: 'drafts.story-a',
        publishedId: 'story-a',
      }),
    );
    expect(error.statusCode).toBe(403);
    expect(error.body).toMatchObject({
      error: {
        type: 'mutationError',
        items: [{ error: { type: 'insufficientPermissionsError', permission: 'update' } }],
      },
    });
    expect(await t.client().withConfig({ perspective: 'raw' }).getDocument('story-a')).toBeUndefined();
    expect(
      (await failure(act(t.client(null), { actionType: 'sanity.action.document.discard', draftId: 'drafts.story-a' })))
        .statusCode,
    ).toBe(401);
  });

  test('unknown action types answer 400 naming the supported ones', async () => {
    const t = await lake();
    const error = await failure(act(t.client(), { actionType: 'sanity.action.release.publish', releaseId: 'r1' }));
    expect(error.statusCode).toBe(400);
    expect(error.message).toContain('sanity.action.document.publish');
  });
});

describe("listeners see actions in the Studio's shape", () => {
  test('publish is one transaction of two events, with eventId, transition, revisions and mendoza effects', async () => {
    const t = await lake();
    const client = t.client();
    await client.create(draftOf('Draft'));
    const draftBefore = await client.withConfig({ perspective: 'raw' }).getDocument('drafts.story-a');
    const events: ListenEvent<Record<string, unknown>>[] = [];
    const listening = client
      .listen(
        '*[_id in $ids]',
        { ids: ['story-a', 'drafts.story-a'] },
        { includeResult: false, includeAllVersions: true, effectFormat: 'mendoza', events: ['welcome', 'mutation'] },
      )
      .subscribe((event) => events.push(event as ListenEvent<Record<string, unknown>>));
    cleanups.push(async () => listening.unsubscribe());
    await until(() => events.some((event) => event.type === 'welcome'));
    await act(
      client,
      { actionType: 'sanity.action.document.publish', draftId: 'drafts.story-a', publishedId: 'story-a' },
      'tx-pub',
    );
    await until(() => events.filter((event) => event.type === 'mutation').length >= 2);
    const mutations = events.filter((event) => event.type === 'mutation') as unknown as Record<string, unknown>[];
    const published = mutations.find((event) => event['documentId'] === 'story-a');
    const draft = mutations.find((event) => event['documentId'] === 'drafts.story-a');
    expect(published).toMatchObject({
      eventId: 'tx-pub#story-a',
      transactionId: 'tx-pub',
      transition: 'appear',
      resultRev: 'tx-pub',
      transactionTotalEvents: 2,
    });
    expect(published).not.toHaveProperty('previousRev');
    expect(published).not.toHaveProperty('result');
    expect(draft).toMatchObject({
      transition: 'disappear',
      previousRev: draftBefore?._rev,
      resultRev: 'tx-pub',
      mutations: [{ delete: { id: 'drafts.story-a' } }],
    });
    const effects = (event: Record<string, unknown> | undefined) =>
      event?.['effects'] as { apply: unknown; revert: unknown };
    // Effects are patches between the revisions without _rev, which the Studio strips before applying them.
    const { _rev: _draftRev, ...draftWithoutRev } = draftBefore ?? {};
    const created = applyPatch(null, effects(published).apply as never);
    expect(created).toMatchObject({ _id: 'story-a', title: 'Draft' });
    expect(created).not.toHaveProperty('_rev');
    expect(applyPatch(draftWithoutRev, effects(draft).apply as never)).toBeNull();
    expect(applyPatch(null, effects(draft).revert as never)).toEqual(draftWithoutRev);
  });
});

describe('webhooks fire for actions as for mutations', () => {
  test('publishing delivers the published document with the transaction id', async () => {
    const bodies: { headers: Record<string, unknown>; body: unknown }[] = [];
    const receiver: Server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        bodies.push({ headers: req.headers, body: JSON.parse(body) });
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise((resolve) => receiver.close(resolve)));
    const t = await lake({
      webhooks: [
        {
          url: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/`,
          filter: '_type == "story"',
          projection: '{_id, title}',
        },
      ],
    });
    await t.client().create(draftOf('Draft'));
    await act(
      t.client(),
      { actionType: 'sanity.action.document.publish', draftId: 'drafts.story-a', publishedId: 'story-a' },
      'tx-hook',
    );
    await t.lake.webhooksIdle();
    expect(bodies).toEqual([
      {
        headers: expect.objectContaining({
          'sanity-transaction-id': 'tx-hook',
          'sanity-operation': 'create',
          'sanity-document-id': 'story-a',
        }),
        body: { _id: 'story-a', title: 'Draft' },
      },
    ]);
  });
});

async function until(check: () => boolean): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out waiting for listener events');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
