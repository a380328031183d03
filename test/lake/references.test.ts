import type { SanityClient } from '@sanity/client';
import { writeFile } from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { failure, startTestLake, type TestLake } from './lake-harness.ts';

// Referential integrity as Content Lake keeps it, through the real @sanity/client over HTTP: a strong reference
// (`_ref` without `_weak: true`) from any document blocks deleting its target, judged on the state after the whole
// transaction; a published document may not be given a strong reference to a missing document.

let t: TestLake;
let client: SanityClient;
beforeEach(async () => {
  t = await startTestLake();
  client = t.client().withConfig({ perspective: 'raw' });
});
afterEach(async () => {
  await t.close();
});

const ref = (id: string, extra: Record<string, unknown> = {}) => ({ _type: 'reference', _ref: id, _key: id, ...extra });
const story = (id: string, tags: Record<string, unknown>[]) => ({ _id: id, _type: 'story', title: id, tags });

/** A tag and a published story that carries it. */
async function tagOnStory(): Promise<void> {
  await client
    .transaction()
    .create({ _id: 'tag-a', _type: 'tag', name: 'A' })
    .create(story('story-1', [ref('tag-a')]))
    .commit();
}

describe('deleting a document that is strongly referenced', () => {
  test('answers 409 documentHasExistingReferencesError naming the referrer, and the document stays', async () => {
    await tagOnStory();
    const { statusCode, body, message } = await failure(client.delete('tag-a'));
    expect(statusCode).toBe(409);
    expect(body).toEqual({
      error: {
        type: 'mutationError',
        description: 'Mutation(s) failed with 1 error(s)',
        items: [
          {
            index: 0,
            error: {
              type: 'documentHasExistingReferencesError',
              id: 'tag-a',
              referencingIDs: ['story-1'],
              description:
                'Document "tag-a" cannot be deleted as there are references to it from "story-1": remove those references (or make them weak with "_weak": true) first, or delete the referencing documents in the same transaction',
            },
          },
        ],
      },
    });
    // What the Studio shows in its error toast: the client's message carries the item description.
    expect(message).toContain('references to it from "story-1"');
    expect(await client.getDocument('tag-a')).toMatchObject({ _id: 'tag-a' });
  });

  test('drafts and versions count as referrers; weak references do not', async () => {
    await client
      .transaction()
      .create({ _id: 'tag-a', _type: 'tag' })
      .create({ _id: 'tag-b', _type: 'tag' })
      .create(story('drafts.story-2', [ref('tag-a')]))
      .create(story('versions.r1.story-3', [ref('tag-a')]))
      .create(story('story-4', [ref('tag-b', { _weak: true })]))
      .commit();
    const { statusCode, body } = await failure(client.delete('tag-a'));
    expect(statusCode).toBe(409);
    expect(body).toMatchObject({
      error: { items: [{ error: { id: 'tag-a', referencingIDs: ['drafts.story-2', 'versions.r1.story-3'] } }] },
    });
    await client.delete('tag-b');
    expect(await client.getDocument('tag-b')).toBeUndefined();
  });

  test('references nested anywhere count: inside objects, arrays and Portable Text mark definitions', async () => {
    await client
      .transaction()
      .create({ _id: 'author-a', _type: 'author' })
      .create({
        _id: 'story-1',
        _type: 'story',
        body: [
          {
            _type: 'block',
            _key: 'b',
            markDefs: [{ _type: 'internalLink', _key: 'm', reference: ref('author-a') }],
            children: [],
          },
        ],
      })
      .commit();
    const { statusCode, body } = await failure(client.delete('author-a'));
    expect(statusCode).toBe(409);
    expect(body).toMatchObject({ error: { items: [{ error: { referencingIDs: ['story-1'] } }] } });
  });

  test('in one transaction with its referrers deleted or changed, in either order, it is deleted', async () => {
    await tagOnStory();
    await client.transaction().delete('tag-a').delete('story-1').commit();
    expect(await client.fetch('count(*[_id in ["tag-a", "story-1"]])')).toBe(0);

    await tagOnStory();
    await client
      .transaction()
      .patch('story-1', (p) => p.unset(['tags[_key=="tag-a"]']))
      .delete('tag-a')
      .commit();
    expect(await client.getDocument('tag-a')).toBeUndefined();
    expect(await client.getDocument('story-1')).toMatchObject({ tags: [] });
  });

  test('a referrer added in the same transaction blocks it, and the error names the deleting mutation', async () => {
    await client.create({ _id: 'tag-a', _type: 'tag' });
    const { statusCode, body } = await failure(
      client
        .transaction()
        .create(story('drafts.story-9', [ref('tag-a')]))
        .delete('tag-a')
        .commit(),
    );
    expect(statusCode).toBe(409);
    expect(body).toMatchObject({
      error: {
        items: [
          { index: 1, error: { type: 'documentHasExistingReferencesError', referencingIDs: ['drafts.story-9'] } },
        ],
      },
    });
    expect(await client.getDocument('drafts.story-9')).toBeUndefined();
  });

  test('delete by query is all or nothing: every blocked document is reported and nothing is deleted', async () => {
    await client
      .transaction()
      .create({ _id: 'tag-a', _type: 'tag' })
      .create({ _id: 'tag-b', _type: 'tag' })
      .create({ _id: 'tag-free', _type: 'tag' })
      .create(story('story-1', [ref('tag-a'), ref('tag-b')]))
      .commit();
    const { statusCode, body } = await failure(client.delete({ query: '*[_type == "tag"]' }));
    expect(statusCode).toBe(409);
    const items = (body as { error: { items: { error: { id: string } }[] } }).error.items;
    expect(items.map((item) => item.error.id)).toEqual(['tag-a', 'tag-b']);
    expect(await client.fetch('count(*[_type == "tag"])')).toBe(3);
  });

  test('the index follows every commit and survives a restart', async () => {
    await tagOnStory();
    await client.create({ _id: 'tag-b', _type: 'tag' });
    await client
      .patch('story-1')
      .set({ tags: [ref('tag-b')] })
      .commit();
    await t.restart();
    client = t.client().withConfig({ perspective: 'raw' });
    expect(await failure(client.delete('tag-b'))).toMatchObject({
      statusCode: 409,
      body: { error: { items: [{ error: { referencingIDs: ['story-1'] } }] } },
    });
    await client.delete('tag-a');
    expect(await client.getDocument('tag-a')).toBeUndefined();
  });
});

describe('writing a strong reference to a missing document', () => {
  test('a published document answers 409 documentReferenceDoesNotExistError naming the field, and is not written', async () => {
    const { statusCode, body } = await failure(
      client.create({ _id: 'story-1', _type: 'story', section: { _type: 'reference', _ref: 'section-gone' } }),
    );
    expect(statusCode).toBe(409);
    expect(body).toMatchObject({
      error: {
        type: 'mutationError',
        items: [
          {
            index: 0,
            error: {
              type: 'documentReferenceDoesNotExistError',
              id: 'story-1',
              referenceID: 'section-gone',
              description: expect.stringContaining(
                'Document "story-1" references non-existent document "section-gone" (at section)',
              ),
            },
          },
        ],
      },
    });
    expect(await client.getDocument('story-1')).toBeUndefined();
    const patched = await client.create({ _id: 'story-2', _type: 'story', tags: [] });
    const refused = await failure(
      client
        .patch(patched._id)
        .set({ tags: [ref('tag-gone')] })
        .commit(),
    );
    expect(refused.statusCode).toBe(409);
    expect(refused.body).toMatchObject({
      error: { items: [{ error: { referenceID: 'tag-gone', description: expect.stringContaining('(at tags[0])') } }] },
    });
  });

  test('the target may be created later in the same transaction; drafts and weak references are not checked', async () => {
    await client
      .transaction()
      .create(story('story-1', [ref('tag-new')]))
      .create({ _id: 'tag-new', _type: 'tag' })
      .commit();
    await client.create(story('drafts.story-2', [ref('tag-unwritten')]));
    await client.create(story('story-3', [ref('tag-unwritten', { _weak: true })]));
    expect(await client.fetch('*[_id in ["story-1", "drafts.story-2", "story-3"]]._id | order(@)')).toEqual([
      'drafts.story-2',
      'story-1',
      'story-3',
    ]);
  });

  test('a reference a dataset was loaded with does not stop other edits of its document', async () => {
    await t.lake.close();
    const dangling = { _id: 'story-old', _type: 'story', _rev: 'r1', title: 'Old', tags: [ref('tag-lost')] };
    await writeFile(t.dataFile, `${JSON.stringify(dangling)}\n`);
    await t.restart();
    client = t.client().withConfig({ perspective: 'raw' });
    await client.patch('story-old').set({ title: 'Edited' }).commit();
    expect(await client.getDocument('story-old')).toMatchObject({ title: 'Edited' });
  });
});

describe('actions', () => {
  const act = (actions: Parameters<SanityClient['action']>[0]) => client.action(actions);

  test('delete and unpublish of a referenced document answer 409 naming the referrer; nothing changes', async () => {
    await tagOnStory();
    await client.create({ _id: 'drafts.tag-a', _type: 'tag', name: 'A (edited)' });
    const deleted = await failure(
      act({ actionType: 'sanity.action.document.delete', publishedId: 'tag-a', includeDrafts: ['drafts.tag-a'] }),
    );
    expect(deleted.statusCode).toBe(409);
    expect(deleted.body).toMatchObject({
      error: {
        items: [
          { index: 0, error: { type: 'documentHasExistingReferencesError', id: 'tag-a', referencingIDs: ['story-1'] } },
        ],
      },
    });
    const unpublished = await failure(
      act({ actionType: 'sanity.action.document.unpublish', publishedId: 'tag-a', draftId: 'drafts.tag-a' }),
    );
    expect(unpublished.statusCode).toBe(409);
    expect(await client.fetch('*[_id in ["tag-a", "drafts.tag-a"]]{_id, name} | order(_id)')).toEqual([
      { _id: 'drafts.tag-a', name: 'A (edited)' },
      { _id: 'tag-a', name: 'A' },
    ]);
  });

  test('deleting the referrer and the target in one request of actions works', async () => {
    await tagOnStory();
    await act([
      { actionType: 'sanity.action.document.delete', publishedId: 'story-1', includeDrafts: [] },
      { actionType: 'sanity.action.document.delete', publishedId: 'tag-a', includeDrafts: [] },
    ]);
    expect(await client.fetch('count(*[_id in ["tag-a", "story-1"]])')).toBe(0);
  });

  test('publish strengthens references the Studio wrote weak until publish, and refuses one to an unpublished document', async () => {
    await client.create({ _id: 'tag-a', _type: 'tag' });
    const pending = { _weak: true, _strengthenOnPublish: { type: 'tag' } };
    await client.create(
      story('drafts.story-1', [
        ref('tag-a', pending),
        ref('drafts.tag-b', { _weak: true, _strengthenOnPublish: { type: 'tag', weak: true } }),
      ]),
    );
    await act({ actionType: 'sanity.action.document.publish', publishedId: 'story-1', draftId: 'drafts.story-1' });
    expect((await client.getDocument('story-1'))?.['tags']).toEqual([
      ref('tag-a'),
      ref('drafts.tag-b', { _weak: true }),
    ]);
    expect(await failure(client.delete('tag-a'))).toMatchObject({ statusCode: 409 });

    await client.create(story('drafts.story-2', [ref('tag-unpublished', pending)]));
    const refused = await failure(
      act({ actionType: 'sanity.action.document.publish', publishedId: 'story-2', draftId: 'drafts.story-2' }),
    );
    expect(refused.statusCode).toBe(409);
    expect(refused.body).toMatchObject({
      error: {
        items: [
          {
            index: 0,
            error: { type: 'documentReferenceDoesNotExistError', id: 'story-2', referenceID: 'tag-unpublished' },
          },
        ],
      },
    });
    expect(await client.getDocument('drafts.story-2')).toMatchObject({ _id: 'drafts.story-2' });
    expect(await client.getDocument('story-2')).toBeUndefined();
  });
});

describe('GET /data/references/:dataset/documents/:id/to', () => {
  test('lists the strong referrers from the index; cross-dataset only (what the Studio asks) is empty', async () => {
    await tagOnStory();
    await client.create(story('drafts.story-2', [ref('tag-a')]));
    const url = '/data/references/production/documents/tag-a/to';
    expect(await client.request({ url })).toEqual({
      totalCount: 2,
      references: [
        { documentId: 'drafts.story-2', datasetName: 'production', projectId: 'local' },
        { documentId: 'story-1', datasetName: 'production', projectId: 'local' },
      ],
    });
    expect(await t.client(null).request({ url })).toEqual({
      totalCount: 1,
      references: [{ documentId: 'story-1', datasetName: 'production', projectId: 'local' }],
    });
    expect(await client.request({ url: `${url}?excludeInternalReferences=true&excludePaths=true` })).toEqual({
      totalCount: 0,
      references: [],
    });
    expect(await failure(client.request({ url: '/data/references/production/tag-a' }))).toMatchObject({
      statusCode: 400,
    });
  });

  test("the Studio's delete dialog query lists the same referrers (it asks GROQ, not this endpoint)", async () => {
    await tagOnStory();
    await client.create(story('drafts.story-2', [ref('tag-a')]));
    const dialog =
      '{"references":*[references($documentId)][0...100]{_id,_type},"totalCount":count(*[references($documentId)])}';
    expect(await client.fetch(dialog, { documentId: 'tag-a' })).toEqual({
      references: [
        { _id: 'drafts.story-2', _type: 'story' },
        { _id: 'story-1', _type: 'story' },
      ],
      totalCount: 2,
    });
  });
});
