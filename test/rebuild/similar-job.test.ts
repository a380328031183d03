import { afterEach, expect, test } from 'vitest';
import { SimilarJob } from '../../rebuild/similar-job.ts';
import type { SimilarInput, SimilarLink } from '../../src/lib/similar/options.ts';
import { SimilarIndex } from '../../src/lib/similar/similar-index.ts';

// Similar News in the worker thread (rebuild/similar-job.ts, similar-worker.ts, similar-helper.ts), against the
// reference: the same stories' links computed in full in this thread (`SimilarIndex.build(...).all()`).

const TOPICS = [
  ['rates', 'inflation', 'central', 'bank', 'bond'],
  ['storm', 'hurricane', 'coast', 'flood', 'rain'],
  ['chip', 'export', 'semiconductor', 'factory', 'trade'],
  ['vaccine', 'measles', 'health', 'doctors', 'clinic'],
];

/** `n` stories over four topics, each with words of its own, published a day apart. */
function stories(n: number, variant = ''): SimilarInput[] {
  return Array.from({ length: n }, (_, i) => {
    const topic = TOPICS[i % TOPICS.length] as string[];
    const words = topic.map((w, j) => (j <= i % 5 ? w : `${w}${i}`));
    return {
      id: `story-${i}`,
      title: `${topic[0]} ${topic[1]} report ${i}${variant}`,
      text: `${words.join(' ')} ${topic.join(' ')} number${i} ${variant}`,
      tags: [topic[0] as string, ...(i % 3 === 0 ? ['featured'] : [])],
      publishedAt: new Date(Date.UTC(2025, 0, 1 + i)).toISOString(),
      section: `section-${i % 2}`,
      pinned: [],
    };
  });
}

/** Every story's links as targets and reasons (a list that points where it did keeps its older scores). */
const targets = (links: Map<string, SimilarLink[]>) =>
  new Map([...links].map(([id, list]) => [id, list.map((l) => `${l.id}:${l.reason}`)]));

const reference = (inputs: SimilarInput[], limit = 5) => SimilarIndex.build(inputs, { limit }).all();

let job: SimilarJob | undefined;
afterEach(() => {
  job?.stop();
  job = undefined;
});

test('the first computation gives every story the links of a full computation, with the index and inputs', async () => {
  job = new SimilarJob();
  const inputs = stories(40);
  const settled = await job.compute(inputs, 3);
  expect(settled.inputs).toBe(inputs);
  expect(settled.limit).toBe(3);
  expect(settled.links).toEqual(reference(inputs, 3));
  expect([...settled.index.ids()].sort()).toEqual(inputs.map((s) => s.id).sort());
  expect(settled.index.all()).toEqual(reference(inputs, 3));
});

test('later computations send only what changed, and still equal a full computation', async () => {
  job = new SimilarJob();
  const first = stories(40);
  await job.compute(first, 5);
  // One story edited to another topic, one gone, one new.
  const second = first.filter((s) => s.id !== 'story-7');
  const edited = { ...(second[2] as SimilarInput), title: 'storm hurricane landfall', text: 'storm flood coast rain' };
  second[2] = edited;
  second.push({ ...(stories(41)[40] as SimilarInput), id: 'story-new' });
  const settled = await job.compute(second, 5);
  expect(targets(settled.links)).toEqual(targets(reference(second)));
  expect(settled.links.has('story-7')).toBe(false);
  expect(settled.index.ids()).not.toContain('story-7');
  // Unchanged again: the same links.
  const third = await job.compute(second, 5);
  expect(targets(third.links)).toEqual(targets(reference(second)));
  expect(third.links).not.toBe(settled.links);
});

test('two computations asked at once run one after the other, each over its own stories', async () => {
  job = new SimilarJob();
  const a = stories(30);
  const b = stories(20, ' again');
  const [first, second] = await Promise.all([job.compute(a, 5), job.compute(b, 5)]);
  expect(targets(first.links)).toEqual(targets(reference(a)));
  expect(targets(second.links)).toEqual(targets(reference(b)));
});

test('a worker that fails is replaced: the next computation starts afresh and is right', async () => {
  job = new SimilarJob();
  const good = stories(30);
  await job.compute(good, 5);
  const broken = [...good, { id: 'story-broken', title: 'x', text: undefined, tags: [] } as unknown as SimilarInput];
  await expect(job.compute(broken, 5)).rejects.toThrow();
  // The new worker holds nothing: every story is sent again, not only the one edited.
  const changed = good.map((s, i) => (i === 4 ? { ...s, text: 'storm flood coast rain' } : s));
  const settled = await job.compute(changed, 5);
  expect(targets(settled.links)).toEqual(targets(reference(changed)));
  expect(settled.index.ids().length).toBe(30);
});

test('a stopped job starts afresh in a new worker when asked again', async () => {
  job = new SimilarJob();
  const good = stories(30);
  await job.compute(good, 5);
  job.stop();
  const changed = good.map((s, i) => (i === 4 ? { ...s, text: 'storm flood coast rain' } : s));
  const settled = await job.compute(changed, 5);
  expect(targets(settled.links)).toEqual(targets(reference(changed)));
  expect(settled.index.ids().length).toBe(30);
});
