/** The rebuild service's Mirror against a lake in this process: full, changed-since and hinted syncs, and its digest. */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { Mirror } from '../../rebuild/mirror.ts';
import { startTestLake, type TestLake } from '../sanity/sanity-harness.ts';

let lake: TestLake;
beforeAll(async () => {
  lake = await startTestLake();
});
afterAll(async () => {
  await lake.close();
});

const section = (id: string, title: string) => ({ _id: id, _type: 'section', title });

test('syncs everything first, then what changed since, then what webhooks named; the digest follows the content', async () => {
  const client = lake.client('mirror');
  await client.create(section('section-a', 'A'));
  await client.create(section('section-b', 'B'));
  await client.create(section('section-e', 'E'));
  await client.create({ _id: 'drafts.section-c', _type: 'section', title: 'a draft is not published' });
  await client.create({ _id: 'other-1', _type: 'sanity.fileAsset', title: 'not a site type' });

  const mirror = new Mirror(client);
  expect(await mirror.sync()).toMatchObject({ full: true, changed: 3, deleted: 0 });
  expect([...mirror.documents.keys()].sort()).toEqual(['section-a', 'section-b', 'section-e']);
  const two = mirror.revision();
  expect(two).toMatch(/^[0-9a-f]{16}$/);

  // Nothing announced: nothing read, nothing changed.
  expect(await mirror.sync(new Set())).toMatchObject({ full: false, changed: 0, deleted: 0 });
  expect(mirror.revision()).toBe(two);

  // A sync without a hint reads what changed since the newest change seen, and the list of ids (deletions).
  await client.create(section('section-d', 'D'));
  expect(await mirror.sync()).toMatchObject({ full: false, changed: 1, deleted: 0 });
  expect(mirror.revision()).not.toBe(two);
  await client.delete('section-d');
  expect(await mirror.sync()).toMatchObject({ full: false, changed: 0, deleted: 1 });
  // The digest depends on the documents only, not on the way they came.
  expect(mirror.revision()).toBe(two);

  // A hinted sync reads the named documents: an edit counts as changed (an unchanged one does not), an id that no
  // longer answers as deleted.
  await client.patch('section-a').set({ title: 'A, edited' }).commit();
  await client.delete('section-b');
  expect(await mirror.sync(new Set(['section-a', 'section-b', 'section-e', 'never-existed']))).toMatchObject({
    full: false,
    changed: 1,
    deleted: 1,
  });
  expect(mirror.documents.get('section-a')?.['title']).toBe('A, edited');
  expect(mirror.documents.has('section-b')).toBe(false);

  // A fresh mirror of the same content has the same digest.
  const fresh = new Mirror(client);
  await fresh.sync();
  expect(fresh.revision()).toBe(mirror.revision());
  expect(fresh.assetsRevision()).toBe(mirror.assetsRevision());
});

test('scheduledTimes lists the future publication times of stories, earliest first', async () => {
  const client = lake.client('scheduled');
  const now = new Date('2030-01-01T00:00:00Z');
  for (const [id, publishedAt] of [
    ['story-past', '2029-12-31T23:59:59.000Z'],
    ['story-later', '2030-03-01T00:00:00.000Z'],
    ['story-soon', '2030-01-01T00:00:01.000Z'],
  ])
    await client.create({ _id: id, _type: 'story', title: id, publishedAt });
  await client.create({ _id: 'section-future', _type: 'section', title: 'not a story', publishedAt: '2031-01-01' });
  const mirror = new Mirror(client);
  await mirror.sync();
  expect(mirror.scheduledTimes(now)).toEqual(['2030-01-01T00:00:01.000Z', '2030-03-01T00:00:00.000Z']);
});
