/** The rebuild service's Mirror against a lake in this process: full, changed-since and hinted syncs, and its digest. */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
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

test('an empty mirror has the zero digest, and a scheduled time equal to now is not in the future', async () => {
  const client = lake.client('empty');
  await client.create({ _id: 'other-1', _type: 'note', title: 'not a site type: makes the dataset' });
  const mirror = new Mirror(client);
  expect(mirror.revision()).toBe('0'.repeat(16));
  expect(await mirror.sync()).toMatchObject({ full: true, changed: 0, deleted: 0 });
  expect(mirror.revision()).toBe('0'.repeat(16));
  await client.create({ _id: 'story-now', _type: 'story', title: 'now', publishedAt: '2030-01-01T00:00:00.000Z' });
  await client.create({ _id: 'story-odd', _type: 'story', title: 'not a time', publishedAt: ['2031-01-01'] });
  await mirror.sync();
  expect(mirror.scheduledTimes(new Date('2030-01-01T00:00:00Z'))).toEqual([]);
  expect(mirror.scheduledTimes(new Date('2029-12-31T23:59:59.999Z'))).toEqual(['2030-01-01T00:00:00.000Z']);
});

test('a hint of up to 200 ids reads only those; a longer one reads every change since the last sync', async () => {
  const client = lake.client('hinted');
  await client.create(section('section-a', 'A'));
  const mirror = new Mirror(client);
  await mirror.sync();
  const others = (n: number) => Array.from({ length: n }, (_, i) => `section-none-${i}`);

  await client.create(section('section-b', 'B'));
  await client.create(section('section-c', 'C'));
  // 200 ids, section-b among them: section-c, not named, is not read.
  expect(await mirror.sync(new Set(['section-b', ...others(199)]))).toMatchObject({ changed: 1, deleted: 0 });
  expect([...mirror.documents.keys()].sort()).toEqual(['section-a', 'section-b']);
  // 201 ids: every change since the last full read is read, section-c too, whatever the hint names.
  expect(await mirror.sync(new Set(others(201)))).toMatchObject({ full: false, changed: 1, deleted: 0 });
  expect([...mirror.documents.keys()].sort()).toEqual(['section-a', 'section-b', 'section-c']);
});

// A 1×1 PNG.
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==',
  'base64',
);

test('image assets: read with the documents; the assets digest follows them and only them, in any order', async () => {
  const client = lake.client('assets');
  await client.create(section('section-a', 'A'));
  const mirror = new Mirror(client);
  await mirror.sync();
  const none = mirror.assetsRevision();
  expect(none).toMatch(/^[0-9a-f]{16}$/);

  // Two images, the one whose id (its content's SHA-1) sorts later uploaded first.
  const logo = await readFile(path.resolve('public/logo.png'));
  const sha1 = (bytes: Buffer) => createHash('sha1').update(bytes).digest('hex');
  const [later, earlier] = sha1(PNG) > sha1(logo) ? [PNG, logo] : [logo, PNG];
  const first = await client.assets.upload('image', later, { filename: 'first.png' });
  // A hinted sync reads the assets changed since the last full read, though no document named them.
  const hinted = await mirror.sync(new Set(['section-a']));
  expect(hinted.ms).toBeGreaterThanOrEqual(0);
  expect(hinted.ms).toBeLessThan(60_000);
  expect([...mirror.assets.keys()]).toEqual([first._id]);
  const one = mirror.assetsRevision();
  expect(one).not.toBe(none);
  expect(mirror.assetsRevision()).toBe(one);

  // A sync without a hint reads the new one, and keeps the one it had.
  const second = await client.assets.upload('image', earlier, { filename: 'second.png' });
  await mirror.sync();
  expect([...mirror.assets.keys()]).toEqual([first._id, second._id]);
  const two = mirror.assetsRevision();
  expect(two).not.toBe(one);
  await mirror.sync();
  expect(mirror.assets.size).toBe(2);
  // A fresh mirror reads them in the order of their ids: the same digest.
  const fresh = new Mirror(client);
  await fresh.sync();
  expect([...fresh.assets.keys()]).toEqual([second._id, first._id]);
  expect(fresh.assets.get(first._id)).toMatchObject({ _id: first._id });
  expect(fresh.assetsRevision()).toBe(two);

  // Deleted: gone at the next sync that reads the list of ids, and the digest is back to that of no assets.
  await client.delete(first._id);
  await client.delete(second._id);
  await mirror.sync();
  expect(mirror.assets.size).toBe(0);
  expect(mirror.assetsRevision()).toBe(none);
});

test('the digest is the sum of the first 64 bits of SHA-1("<id>@<rev>") of every document, mod 2^64', async () => {
  const client = lake.client('digest');
  for (const id of ['section-a', 'section-b', 'section-c']) await client.create(section(id, id));
  const mirror = new Mirror(client);
  await mirror.sync();
  let sum = 0n;
  for (const doc of mirror.documents.values())
    sum += BigInt(
      `0x${createHash('sha1')
        .update(`${doc._id}@${String(doc['_rev'])}`)
        .digest('hex')
        .slice(0, 16)}`,
    );
  expect(mirror.revision()).toBe((sum % 2n ** 64n).toString(16).padStart(16, '0'));
});

test('nothing announced reads nothing; a draft named in a hint is not read; the time taken is measured', async () => {
  const client = lake.client('quiet');
  await client.create(section('section-a', 'A'));
  const mirror = new Mirror(client);
  const full = await mirror.sync();
  expect(full.ms).toBeGreaterThanOrEqual(0);
  expect(full.ms).toBeLessThan(60_000);
  await client.create(section('section-b', 'B'));
  const quiet = await mirror.sync(new Set());
  expect(quiet).toMatchObject({ full: false, changed: 0, deleted: 0 });
  expect(quiet.ms).toBeLessThan(60_000);
  expect(mirror.documents.has('section-b')).toBe(false);

  await client.create({ _id: 'drafts.section-c', _type: 'section', title: 'a draft' });
  expect(await mirror.sync(new Set(['drafts.section-c']))).toMatchObject({ changed: 0, deleted: 0 });
  expect([...mirror.documents.keys()]).toEqual(['section-a']);
  const since = await mirror.sync();
  expect(since).toMatchObject({ changed: 1, deleted: 0 });
  expect(since.ms).toBeGreaterThanOrEqual(0);
  expect(since.ms).toBeLessThan(60_000);
  expect([...mirror.documents.keys()].sort()).toEqual(['section-a', 'section-b']);
});
