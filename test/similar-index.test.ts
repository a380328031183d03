import { describe, expect, test } from 'vitest';
import type { SimilarInput, SimilarLink, SimilarOptions, SimilarSignals } from '../src/lib/similar/options.ts';
import { findSimilar, SimilarIndex } from '../src/lib/similar/similar-index.ts';
import { TermCache } from '../src/lib/similar/terms.ts';
import { generateCorpus } from '../scripts/lib/eval-similar.ts';

function story(id: string, title: string, text: string, extra: Partial<SimilarInput> = {}): SimilarInput {
  return { id, title, text, tags: [], ...extra };
}

const ids = (links: readonly SimilarLink[] | undefined): string[] => (links ?? []).map((link) => link.id);

/**
 * The generated newsroom of `eval:similar --bench` (Zipf vocabulary, topics, tags, sections, dates),
 * with some undated stories, some pins (unknown ids and self among them), some stories that share no
 * word or tag with any other (they get the fallback) and a story in a section of its own.
 */
const CORPUS: SimilarInput[] = generateCorpus(600).map((doc, i) => {
  const { publishedAt: _publishedAt, ...undated } = doc;
  const dated = i % 10 === 3 ? undated : doc;
  const base = i % 53 === 11 ? { ...dated, title: `lonely${i}`, text: `only${i} here${i}`, tags: [] } : dated;
  if (i % 37 === 0)
    return { ...base, pinned: [`story-${String((i * 7 + 5) % 600).padStart(6, '0')}`, 'no-such-story', doc.id] };
  if (i === 599) return { ...base, section: 'obituaries' };
  return base;
});

/** A small newsroom with an obvious pair (harbour strike), pins and sections. */
const NEWSROOM: SimilarInput[] = [
  story(
    'close',
    'Dock workers extend harbour strike',
    'The harbour strike by dock workers goes on; container ships still wait.',
    {
      section: 'business',
      tags: ['labour'],
    },
  ),
  story('partial', 'Container prices climb', 'Shipping container prices rose again this month.', {
    section: 'business',
  }),
  story('biz-new', 'Retail sales', 'Shoppers spent more.', {
    section: 'business',
    publishedAt: '2025-04-01T00:00:00Z',
  }),
  story('biz-old', 'Quarterly results', 'Profits fell.', { section: 'business', publishedAt: '2025-02-01T00:00:00Z' }),
  story('bg-budget', 'Parliament passes the budget', 'Members voted on spending for schools and roads.', {
    tags: ['labour'],
  }),
  story('bg-match', 'Late goal wins the derby', 'The striker scored in the last minute of the match.'),
  story('bg-film', 'Festival opens with a premiere', 'The director presented her film to a full cinema.'),
  story('bg-bank', 'Central bank holds interest rates', 'Inflation slowed, so rates stay where they are.'),
];

const NEW_STORY = story(
  'q',
  'Harbour strike halts container ships',
  'Dock workers at the harbour went on strike, and container ships wait offshore.',
  {
    section: 'business',
    tags: ['labour'],
  },
);

describe('SimilarIndex over a realistic corpus', () => {
  test.each<[string, SimilarOptions]>([
    ['hybrid', {}],
    ['text', { signals: 'text' }],
    ['tags', { signals: 'tags' }],
    // Few probes and candidates: the gather step decides more, so a probe chosen differently shows.
    ['hybrid, 3 probes, 2 candidates, limit 8', { probeTerms: 3, candidates: 2, limit: 8, minScore: 0 }],
  ])('%s: all() is findSimilar, and query of an unchanged story is its linksFor entry', (_name, options) => {
    const index = SimilarIndex.build(CORPUS, options);
    const all = index.all();
    expect([...all.entries()]).toEqual([...findSimilar(CORPUS, options).entries()]);
    expect(index.size).toBe(CORPUS.length);
    expect(index.ids()).toEqual([...all.keys()]);
    // The corpus must exercise pins, the fallback and stories without any similar link.
    const reasons = new Set([...all.values()].flat().map((link) => link.reason));
    expect(reasons).toEqual(new Set(['pinned', 'similar', 'fallback']));

    for (const doc of CORPUS) {
      const expected = index.linksFor([doc.id]).get(doc.id);
      expect(expected).toEqual(all.get(doc.id));
      expect(index.query(doc)).toEqual(expected);
    }
  });

  test('a TermCache told which stories changed builds what a fresh build gives, after edits, removals and additions', () => {
    const terms = new TermCache();
    expect([...SimilarIndex.build(CORPUS, {}, terms).all()]).toEqual([...findSimilar(CORPUS)]);
    const [first, second, ...rest] = CORPUS as [SimilarInput, SimilarInput, ...SimilarInput[]];
    const edited = { ...first, title: `${first.title} and the markets`, text: `${second.text} ${first.text}` };
    const added = { ...second, id: 'zz-added', title: `Another look: ${second.title}` };
    const next = [edited, ...rest.slice(1), added];
    terms.forget(edited.id);
    expect([...SimilarIndex.build(next, {}, terms).all()]).toEqual([...findSimilar(next)]);
    // The same build again reuses every story's terms.
    expect([...SimilarIndex.build(next, {}, terms).all()]).toEqual([...findSimilar(next)]);
  });

  test('linksFor answers only the ids asked, in that order, skipping unknown ids and repeats', () => {
    const index = SimilarIndex.build(CORPUS);
    const all = index.all();
    const asked = ['story-000042', 'no-such-story', 'story-000007', 'story-000042', 'story-000599'];
    const links = index.linksFor(asked);
    expect([...links.keys()]).toEqual(['story-000042', 'story-000007', 'story-000599']);
    for (const [id, list] of links) expect(list).toEqual(all.get(id));
    expect(index.linksFor([]).size).toBe(0);
  });

  test('exclude removes ids from every story asked, and leaves later calls untouched', () => {
    const index = SimilarIndex.build(CORPUS);
    const all = index.all();
    const asked = index.ids().slice(0, 60);
    const exclude = new Set(asked.flatMap((id) => ids(all.get(id)).slice(0, 2)));
    expect(exclude.size).toBeGreaterThan(20);
    for (const [id, list] of index.linksFor(asked, exclude)) {
      expect(ids(list).filter((link) => exclude.has(link))).toEqual([]);
      expect(list.length).toBeGreaterThanOrEqual(Math.min(5, all.get(id)?.length ?? 0) - 1); // others fill in
    }
    expect([...index.linksFor(asked).entries()]).toEqual(asked.map((id) => [id, all.get(id)]));
  });
});

describe('SimilarIndex.query of a story the index does not hold', () => {
  const index = SimilarIndex.build(NEWSROOM);

  test('finds the obvious neighbour first, never itself', () => {
    const links = index.query(NEW_STORY);
    expect(links[0]).toEqual(expect.objectContaining({ id: 'close', reason: 'similar' }));
    expect(ids(links)).toContain('partial');
    expect(ids(links)).not.toContain('q');
  });

  test('never returns an excluded id, as similar, pinned or fallback', () => {
    const pinnedStory = { ...NEW_STORY, pinned: ['bg-film', 'bg-bank'] };
    expect(ids(index.query(pinnedStory))).toEqual(['bg-film', 'bg-bank', 'close', 'bg-budget', 'partial']);
    const withFallback = index.query(pinnedStory, new Set(['bg-film', 'close']));
    expect(withFallback.map((link) => [link.id, link.reason])).toEqual([
      ['bg-bank', 'pinned'],
      ['bg-budget', 'similar'], // shares the rare tag only
      ['partial', 'similar'],
      ['biz-new', 'fallback'],
      ['biz-old', 'fallback'],
    ]);
    const links = index.query(pinnedStory, new Set(['bg-film', 'close', 'biz-new', 'bg-bank']));
    expect(links.map((link) => [link.id, link.reason])).toEqual([
      ['bg-budget', 'similar'],
      ['partial', 'similar'],
      ['biz-old', 'fallback'],
    ]);
    expect(index.query(pinnedStory, new Set(['bg-film', 'close']))).toEqual(withFallback);
  });

  test("never returns the index's own stale version of the story", () => {
    // The index holds "q" with the old text of a near-copy: it would be the best match.
    const stale = SimilarIndex.build([...NEWSROOM, { ...NEW_STORY, title: 'Dock workers extend harbour strike' }]);
    const links = stale.query(NEW_STORY);
    expect(ids(links)).not.toContain('q');
    expect(ids(links)[0]).toBe('close');
    expect(stale.query({ ...NEW_STORY, pinned: ['q', 'close'] })[0]).toEqual(
      expect.objectContaining({ id: 'close', reason: 'pinned' }),
    );
  });

  test('pinned ids resolve against the index; unknown ones are skipped', () => {
    const links = index.query({ ...NEW_STORY, pinned: ['nope', 'bg-match', 'q', 'bg-match'] });
    expect(links[0]).toEqual(expect.objectContaining({ id: 'bg-match', reason: 'pinned' }));
    expect(links.filter((link) => link.reason === 'pinned')).toHaveLength(1);
  });

  test('frozen statistics: a term the index has in one story only matches nothing', () => {
    // "zeppelin" is in bg-film alone; with the query added it would be in two stories and match.
    const film = { ...NEWSROOM[6], text: 'The director presented her zeppelin film.' } as SimilarInput;
    const docs = NEWSROOM.map((doc) => (doc.id === 'bg-film' ? film : doc));
    const newcomer = story('z', 'Zeppelin', 'zeppelin zeppelin');
    expect(SimilarIndex.build(docs).query(newcomer)).toEqual([]);
    expect(ids(findSimilar([...docs, newcomer]).get('z'))).toEqual(['bg-film']);
  });

  test('a story that shares nothing gets the latest of its section, or nothing', () => {
    const lonely = story('lonely', 'Quasar', 'quasar pulsar', { section: 'business' });
    expect(index.query(lonely).map((link) => [link.id, link.reason])).toEqual([
      ['biz-new', 'fallback'],
      ['biz-old', 'fallback'],
      ['close', 'fallback'],
      ['partial', 'fallback'],
    ]);
    expect(index.query({ ...lonely, section: 'new-section' })).toEqual([]);
  });

  test('an empty index answers nothing', () => {
    expect(SimilarIndex.build([]).query(NEW_STORY)).toEqual([]);
    expect(SimilarIndex.build([]).all().size).toBe(0);
  });

  test.each([
    ['an empty id', { ...NEW_STORY, id: '' }, /SimilarIndex\.query: the story has an empty id/],
    [
      'a bad date',
      { ...NEW_STORY, publishedAt: 'soon' },
      /SimilarIndex\.query: story "q" → publishedAt: expected an ISO 8601 date.*"soon"/,
    ],
  ])('rejects %s', (_name, input, message) => {
    expect(() => index.query(input)).toThrow(message);
  });
});

describe('SimilarIndex.build input checks', () => {
  test.each([
    ['a duplicate id', [story('x', 'A', 'a'), story('x', 'B', 'b')], {}, /SimilarIndex\.build: duplicate story id "x"/],
    [
      'a bad option',
      [],
      { candidates: 0 },
      /SimilarIndex\.build options → candidates: expected a whole number of 1 or more, received 0/,
    ],
  ] as const)('rejects %s, naming SimilarIndex.build', (_name, docs, options, message) => {
    expect(() => SimilarIndex.build(docs, options)).toThrow(message);
  });
});

describe('SimilarIndex transfer', () => {
  test.each<SimilarSignals>(['hybrid', 'tags'])(
    '%s: a structured clone with transferred buffers answers the same',
    (signals) => {
      const index = SimilarIndex.build(CORPUS, { signals });
      const all = index.all();
      const some = index.linksFor(['story-000100', 'story-000200'], new Set(['story-000300']));
      const newcomers = [NEW_STORY, { ...(CORPUS[5] as SimilarInput), id: 'fresh', title: 'Fresh title' }];
      const queried = newcomers.map((input) => index.query(input, new Set(['story-000001'])));

      const { data, transfer } = index.toTransfer();
      // Every typed array's buffer, each once, found by walking the data rather than by the list transferList keeps.
      const buffers = new Set<ArrayBufferLike>();
      const walk = (value: unknown): void => {
        if (ArrayBuffer.isView(value)) buffers.add(value.buffer);
        else if (typeof value === 'object' && value !== null) Object.values(value).forEach(walk);
      };
      walk(data);
      expect(new Set(transfer)).toEqual(buffers);
      expect(transfer).toHaveLength(buffers.size);
      const restored = SimilarIndex.fromTransfer(structuredClone(data, { transfer }));
      // The original's buffers moved with the clone.
      expect(transfer.every((buffer) => buffer.byteLength === 0)).toBe(true);
      expect(() => SimilarIndex.fromTransfer(data)).toThrow(
        /expected the data of SimilarIndex\.toTransfer\(\).*were its buffers transferred away/,
      );

      expect(restored.size).toBe(CORPUS.length);
      expect([...restored.all().entries()]).toEqual([...all.entries()]);
      expect([...restored.linksFor(['story-000100', 'story-000200'], new Set(['story-000300'])).entries()]).toEqual([
        ...some.entries(),
      ]);
      expect(newcomers.map((input) => restored.query(input, new Set(['story-000001'])))).toEqual(queried);
    },
  );

  test.each([
    ['nothing', undefined, /received nothing/],
    ['another format', { format: 2 }, /received format 2/],
  ])('fromTransfer rejects %s', (_name, data, message) => {
    expect(() => SimilarIndex.fromTransfer(data as never)).toThrow(message);
  });
});
