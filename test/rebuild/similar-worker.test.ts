import { expect, test } from 'vitest';
import { searchShared } from '../../rebuild/similar-helper.ts';
import { shared, SimilarWorker, type SearchElsewhere } from '../../rebuild/similar-worker.ts';
import type { SimilarInput } from '../../src/lib/similar/options.ts';
import { SimilarIndex } from '../../src/lib/similar/similar-index.ts';

// The Similar News worker's computation (rebuild/similar-worker.ts) in this thread, its helper's half searched with
// the helper thread's function (similar-helper.ts): answers against a full computation of the same stories.

const elsewhere: SearchElsewhere = (data, ids) => Promise.resolve(searchShared(data, ids));

const TOPICS = [
  ['rates', 'inflation', 'central', 'bank', 'bond'],
  ['storm', 'hurricane', 'coast', 'flood', 'rain'],
  ['chip', 'export', 'semiconductor', 'factory', 'trade'],
];

function stories(n: number): SimilarInput[] {
  return Array.from({ length: n }, (_, i) => {
    const topic = TOPICS[i % TOPICS.length] as string[];
    return {
      id: `story-${i}`,
      title: `${topic[0]} ${topic[1]} report ${i}`,
      text: `${topic.slice(0, 2 + (i % 4)).join(' ')} word${i}`,
      tags: [topic[0] as string],
      publishedAt: new Date(Date.UTC(2025, 0, 1 + i)).toISOString(),
      section: `section-${i % 2}`,
      pinned: [],
    };
  });
}

const reference = (inputs: SimilarInput[], limit = 5) => SimilarIndex.build(inputs, { limit }).all();

test('the first answer: every list, split between this thread and the helper, equal to a full computation', async () => {
  const asked: string[][] = [];
  const worker = new SimilarWorker((data, ids) => {
    asked.push(ids);
    return elsewhere(data, ids);
  });
  const inputs = stories(21);
  const answer = await worker.compute({ upsert: inputs, remove: [], limit: 4 });
  expect(new Map(answer.changed)).toEqual(reference(inputs, 4));
  // The helper searched the second half: 10 of 21 stories.
  expect(asked).toHaveLength(1);
  expect(asked[0]).toHaveLength(10);
  expect(asked[0]).toEqual(SimilarIndex.fromTransfer(answer.index).ids().slice(11));
  expect(answer.ms).toBeGreaterThan(0);
  expect(SimilarIndex.fromTransfer(answer.index).all()).toEqual(reference(inputs, 4));
});

test('a later answer: only the lists that point elsewhere; the worker keeps the stories it was sent', async () => {
  const worker = new SimilarWorker(elsewhere);
  const inputs = stories(30);
  const first = new Map((await worker.compute({ upsert: inputs, remove: [], limit: 5 })).changed);
  // Nothing sent: nothing changed.
  expect((await worker.compute({ upsert: [], remove: [], limit: 5 })).changed).toEqual([]);
  // One story gone, one moved to another topic.
  const moved = {
    ...(inputs[3] as SimilarInput),
    title: 'storm hurricane',
    text: 'storm coast flood rain',
    tags: ['storm'],
  };
  const now = inputs.filter((s) => s.id !== 'story-5').map((s) => (s.id === moved.id ? moved : s));
  const answer = await worker.compute({ upsert: [moved], remove: ['story-5'], limit: 5 });
  const full = reference(now);
  const changed = new Map(answer.changed);
  expect(changed.size).toBeGreaterThan(0);
  expect(changed.size).toBeLessThan(now.length);
  for (const [id, list] of full) {
    const targets = list.map((l) => `${l.id}:${l.reason}`);
    const before = (first.get(id) ?? []).map((l) => `${l.id}:${l.reason}`);
    if (changed.has(id)) {
      expect(changed.get(id)).toEqual(list);
      expect(targets).not.toEqual(before);
    } else expect(targets).toEqual(before);
  }
  expect(SimilarIndex.fromTransfer(answer.index).ids()).not.toContain('story-5');
  // A list that points where it did keeps the scores it had: nothing changes when asked again.
  expect((await worker.compute({ upsert: [], remove: [], limit: 5 })).changed).toEqual([]);
});

test('the index data is shared memory, each array copied once however often it is referred to', () => {
  const data = SimilarIndex.build(stories(12), { limit: 5 }).toTransfer().data;
  const copy = shared(data);
  const arrays = [
    copy.time,
    copy.pinnedStart,
    copy.sectionOf,
    copy.fallback.start,
    copy.fallback.item,
    copy.tagNorm,
    ...[copy.text, copy.tags].flatMap((s) =>
      s
        ? [s.df, s.rows.start, s.rows.item, s.rows.weight, s.queryWeight, s.probeEnd, s.postings.start].concat([
            s.postings.item,
            s.postings.weight,
          ])
        : [],
    ),
  ];
  expect(copy.text).toBeDefined();
  expect(copy.tags).toBeDefined();
  for (const array of arrays) expect(array.buffer).toBeInstanceOf(SharedArrayBuffer);
  expect(SimilarIndex.fromTransfer(copy).all()).toEqual(SimilarIndex.fromTransfer(data).all());
  // The same array twice: one copy.
  const twice = shared({ ...data, tagNorm: data.time });
  expect(twice.tagNorm).toBe(twice.time);
  expect(twice.text?.keys).toBe(data.text?.keys);
});
