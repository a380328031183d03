import { beforeAll, expect, test } from 'vitest';
import { SiteModel } from '../../rebuild/site-model.ts';
import { SimilarSettling } from '../../rebuild/similar-settling.ts';
import { RenderCache } from '../../src/lib/body/render-cache.ts';
import type { SimilarInput, SimilarLink } from '../../src/lib/similar/options.ts';
import { SimilarIndex } from '../../src/lib/similar/similar-index.ts';
import type { SanityDocument } from '../../src/lib/sources/sanity/documents.ts';
import { contentDocuments } from './content-documents.ts';

// When Similar News is computed in full (rebuild/similar-settling.ts), over the real site model of content/ and
// the real worker: the reference is the same stories' links computed in full in this thread.

const NOW = new Date('2027-01-01T00:00:00Z');
const SANITY = { projectId: 'local', dataset: 'production' };
let documents: SanityDocument[];

beforeAll(async () => {
  documents = await contentDocuments();
});

const targets = (links: Map<string, SimilarLink[]>) =>
  new Map([...links].map(([id, list]) => [id, list.map((l) => `${l.id}:${l.reason}`)]));
const reference = (inputs: SimilarInput[]) => targets(SimilarIndex.build(inputs, { limit: 5 }).all());

function setup() {
  const model = new SiteModel(new RenderCache(), SANITY);
  const logs: string[] = [];
  let asked = 0;
  const settling = new SimilarSettling(
    model,
    (line) => logs.push(line),
    () => (asked += 1),
  );
  let docs = documents;
  const compute = (links?: Map<string, SimilarLink[]>) =>
    model.compute({ documents: docs, assets: [] }, { now: NOW, stamp: (id) => `r-${id}`, ...(links ? { links } : {}) });
  return {
    model,
    logs,
    settling,
    asked: () => asked,
    compute,
    edit: (next: SanityDocument[]) => (docs = next),
  };
}

/** Waits until `done()` or fails after a while. */
async function until(done: () => boolean): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!done()) {
    if (Date.now() > deadline) throw new Error('waited too long');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

test('the first site gets every story’s Similar News in full, computed in the worker', async () => {
  const { model, settling, compute, asked } = setup();
  expect(model.settled).toBeUndefined();
  const result = await settling.site(compute);
  if (!result.ok) throw new Error(JSON.stringify(result.issues));
  expect(result.settled).toBe(true);
  expect(result.provisional).toBe(0);
  expect(targets(model.settled?.links ?? new Map<string, SimilarLink[]>())).toEqual(reference(result.inputs));
  expect(model.settled?.limit).toBe(5);
  expect(settling.settling).toBe(false);
  expect(asked()).toBe(0);
  settling.stop();
});

test('content with problems: its problems, and nothing computed', async () => {
  const { model, settling, compute, edit } = setup();
  const story = documents.find((d) => d['_type'] === 'story') as SanityDocument;
  edit([...documents.filter((d) => d !== story), { ...story, title: '' }]);
  const result = await settling.site(compute);
  expect(result.ok).toBe(false);
  expect(model.settled).toBeUndefined();
  settling.stop();
});

test('settling: one computation at a time in the worker, waiting for a build to adopt it, then asking for one', async () => {
  const { model, settling, compute, logs, asked } = setup();
  const first = await settling.site(compute);
  if (!first.ok) throw new Error('invalid');
  const before = model.settled;
  settling.adopt();
  expect(model.settled).toBe(before);
  const inputs = first.inputs.slice(1);
  settling.settle(inputs);
  settling.settle(first.inputs);
  expect(settling.settling).toBe(true);
  await until(() => asked() > 0);
  expect(asked()).toBe(1);
  expect(logs).toEqual([
    expect.stringMatching(
      new RegExp(
        `^Similar News recomputed for ${inputs.length} stories \\(\\d+ ms\\): rendering the pages whose links changed$`,
      ),
    ),
  ]);
  // Done, but not adopted yet: still settling, and the model keeps what it had.
  expect(settling.settling).toBe(true);
  expect(model.settled).toBe(before);
  settling.adopt();
  expect(settling.settling).toBe(false);
  expect(model.settled?.inputs).toBe(inputs);
  expect(targets(model.settled?.links ?? new Map<string, SimilarLink[]>())).toEqual(reference(inputs));
  // Only one computation ran: the second request came while it did.
  await new Promise((resolve) => setTimeout(resolve, 100));
  expect(asked()).toBe(1);
  settling.stop();
});

test('a failed computation is logged, and settling stops', async () => {
  const { settling, logs, asked } = setup();
  settling.settle([{ id: 'story-broken', title: 'x', text: undefined, tags: [] } as unknown as SimilarInput]);
  expect(settling.settling).toBe(true);
  await until(() => !settling.settling);
  expect(logs).toEqual([expect.stringMatching(/^Similar News recomputation failed: /)]);
  expect(asked()).toBe(0);
  settling.stop();
});

test('after a cheap computation, a publish’s provisional links are made final at once', async () => {
  const { model, settling, compute, edit, asked, logs } = setup();
  const first = await settling.site(compute);
  if (!first.ok) throw new Error('invalid');
  // A warm worker: its computation of this small site takes well under the inline limit of 250 ms (on a machine
  // that busy, the publish keeps its provisional links instead).
  settling.settle(first.inputs);
  await until(() => asked() > 0);
  settling.adopt();
  const ms = Number(/\((\d+) ms\)/.exec(logs.at(-1) ?? '')?.[1]);
  const inline = ms <= 250;
  // A new story: its links come from a query, and no other story lists it yet.
  const story = documents.find((d) => d['_type'] === 'story') as SanityDocument;
  const copy = (n: number) => ({
    ...story,
    _id: `story-copy-${n}`,
    slug: { _type: 'slug', current: `copy-${n}` },
    title: `${String(story['title'])} again`,
  });
  edit([...documents, copy(1)]);
  const provisional = compute();
  if (!provisional.ok) throw new Error('invalid');
  expect(provisional.settled).toBe(false);
  edit([...documents, copy(1), copy(2)]);
  const result = await settling.site(compute);
  if (!result.ok) throw new Error('invalid');
  expect(result.settled).toBe(inline);
  if (inline)
    expect(targets(model.settled?.links ?? new Map<string, SimilarLink[]>())).toEqual(reference(result.inputs));
  expect(settling.settling).toBe(false);
  settling.stop();
});
