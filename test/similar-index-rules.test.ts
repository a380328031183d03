/**
 * SimilarIndex on small, hand-built newsrooms: expectations written out by hand for each case. The same API over a
 * large generated corpus is in similar-corpus.test.ts (slow: kept apart so that mutation testing can run these alone).
 */
import { describe, expect, test } from 'vitest';
import type { SimilarInput, SimilarLink, SimilarOptions, SimilarSignals } from '../src/lib/similar/options.ts';
import { findSimilar, SimilarIndex } from '../src/lib/similar/similar-index.ts';

function story(id: string, title: string, text: string, extra: Partial<SimilarInput> = {}): SimilarInput {
  return { id, title, text, tags: [], ...extra };
}

const ids = (links: readonly SimilarLink[] | undefined): string[] => (links ?? []).map((link) => link.id);

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

  test('an id excluded from one query is back in the next', () => {
    expect(ids(index.query(NEW_STORY, new Set(['close', 'nope'])))).not.toContain('close');
    expect(ids(index.query(NEW_STORY))[0]).toBe('close');
  });

  // Only "close" and "bg-budget" have the tag labour (idf ln 4): with the query's one tag each scores 1 (undated, so
  // in id order); the query's section, business, fills in latest first.
  const byTag = ['bg-budget', 'close', 'biz-new', 'biz-old', 'partial'];

  test('a tag given twice counts once', () => {
    const tagsOnly = SimilarIndex.build(NEWSROOM, { signals: 'tags' });
    const once = tagsOnly.query({ ...NEW_STORY, tags: ['labour'] });
    expect(once.map((link) => [link.id, link.score])).toEqual([
      ['bg-budget', 1],
      ['close', 1],
      ['biz-new', 0],
      ['biz-old', 0],
      ['partial', 0],
    ]);
    expect(tagsOnly.query({ ...NEW_STORY, tags: ['labour', 'labour'] })).toEqual(once);
  });

  test('a text-only and a tags-only index answer from their one signal', () => {
    // The one query word that two index stories have is "container" ("close" and "partial").
    const text = SimilarIndex.build(NEWSROOM, { signals: 'text' }).query(NEW_STORY);
    expect(text.map((link) => link.reason)).toEqual(['similar', 'similar', 'fallback', 'fallback']);
    expect(ids(text).slice(0, 2).sort()).toEqual(['close', 'partial']);
    expect(ids(text).slice(2)).toEqual(['biz-new', 'biz-old']);
    const tags = SimilarIndex.build(NEWSROOM, { signals: 'tags' }).query({ ...NEW_STORY, title: 'x', text: 'y' });
    expect(ids(tags)).toEqual(byTag);
  });

  test.each([
    ['an empty id', { ...NEW_STORY, id: '' }, /SimilarIndex\.query: the story has an empty id \(received ""\)/],
    ['an id that is no string', { ...NEW_STORY, id: 42 as never }, /the story has an empty id \(received 42\)/],
    [
      'a bad date',
      { ...NEW_STORY, publishedAt: 'soon' },
      /SimilarIndex\.query: story "q" → publishedAt: expected an ISO 8601 date.*"soon"/,
    ],
  ])('rejects %s', (_name, input, message) => {
    expect(() => index.query(input)).toThrow(message);
  });
});

describe('SimilarIndex.linksFor', () => {
  test('answers only the ids asked, in that order, skipping unknown ids and repeats, as all() has them', () => {
    const index = SimilarIndex.build(NEWSROOM);
    const all = index.all();
    const links = index.linksFor(['partial', 'nope', 'close', 'partial']);
    expect([...links.keys()]).toEqual(['partial', 'close']);
    for (const [id, list] of links) expect(list).toEqual(all.get(id));
    expect(index.linksFor([]).size).toBe(0);
    expect(index.ids()).toEqual([
      'bg-bank',
      'bg-budget',
      'bg-film',
      'bg-match',
      'biz-new',
      'biz-old',
      'close',
      'partial',
    ]);
    expect(index.size).toBe(8);
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
  test.each<SimilarSignals>(['hybrid', 'text', 'tags'])(
    '%s: every typed array buffer is listed once, and the transferred copy answers the same',
    (signals) => {
      const index = SimilarIndex.build(NEWSROOM, { signals });
      const all = index.all();
      const queried = index.query(NEW_STORY);
      const { data, transfer } = index.toTransfer();
      // Every typed array's buffer, found by walking the data rather than by the list transferList keeps.
      const buffers = new Set<ArrayBufferLike>();
      const walk = (value: unknown): void => {
        if (ArrayBuffer.isView(value)) buffers.add(value.buffer);
        else if (typeof value === 'object' && value !== null) Object.values(value).forEach(walk);
      };
      walk(data);
      expect(new Set(transfer)).toEqual(buffers);
      expect(transfer).toHaveLength(buffers.size);
      const restored = SimilarIndex.fromTransfer(structuredClone(data, { transfer }));
      expect(transfer.every((buffer) => buffer.byteLength === 0)).toBe(true);
      expect(() => SimilarIndex.fromTransfer(data)).toThrow(
        /received 8 ids but 0 times \(were its buffers transferred away already\?\)/,
      );
      expect([...restored.all()]).toEqual([...all]);
      expect(restored.query(NEW_STORY)).toEqual(queried);
    },
  );

  test.each([
    ['nothing', undefined, /received nothing/],
    ['null', null, /received null$/],
    ['a number', 42, /received 42$/],
    ['another format', { format: 2 }, /received format 2$/],
    ['no ids list', { format: 1, ids: 'a', time: new Float64Array(1) }, /received no ids list or no time array$/],
    ['a time list that is no Float64Array', { format: 1, ids: ['a'], time: [0] }, /received no ids list or no time/],
    ['fewer ids than times', { format: 1, ids: ['a'], time: new Float64Array(2) }, /received 1 ids but 2 times/],
  ])('fromTransfer rejects %s', (_name, data, message) => {
    expect(() => SimilarIndex.fromTransfer(data as never)).toThrow(message);
  });
});

describe('SimilarIndex search: one search leaves nothing behind for the next', () => {
  test('each story searched after the others gets what a fresh index gives it', () => {
    const index = SimilarIndex.build(NEWSROOM, { minScore: 0 });
    const before = index.query(NEW_STORY);
    const all = index.all();
    for (const doc of NEWSROOM) {
      expect(all.get(doc.id)).toEqual(SimilarIndex.build(NEWSROOM, { minScore: 0 }).linksFor([doc.id]).get(doc.id));
    }
    expect(index.query(NEW_STORY)).toEqual(before);
    expect(SimilarIndex.build(NEWSROOM, { minScore: 0 }).query(NEW_STORY)).toEqual(before);
  });

  test('an excluded story stays excluded for every story asked, its own search included', () => {
    const index = SimilarIndex.build(NEWSROOM);
    // The control: without the exclusion, "close" is a link of "partial".
    expect(ids(index.linksFor(['partial']).get('partial'))).toContain('close');
    const links = index.linksFor(['close', 'partial', 'bg-budget'], new Set(['close']));
    expect([...links.keys()]).toEqual(['close', 'partial', 'bg-budget']);
    for (const list of links.values()) expect(ids(list)).not.toContain('close');
  });
});

describe('SimilarIndex gather step: only stories sharing a probe are candidates', () => {
  // Term ids follow first occurrence in id order: lamp 0, harbour 1, zebra 2. The query's title word "harbour"
  // outweighs its body word "lamp", so with one probe term "harbour" is the probe.
  const docs = [
    story('a', '', 'lamp'),
    story('b', '', 'harbour'),
    story('c', '', 'harbour'),
    story('d', '', 'zebra lamp'),
    story('e', '', 'zebra'),
  ];
  const query = story('q', 'harbour', 'lamp');
  const options = { signals: 'text', minScore: 0, maxDocFrequency: 1 } as const;

  test('with one probe term, stories sharing only the other term are never scored', () => {
    expect(ids(SimilarIndex.build(docs, { ...options, probeTerms: 1 }).query(query))).toEqual(['b', 'c']);
  });

  test('with two probe terms they are, below the stories sharing the heavier term', () => {
    expect(ids(SimilarIndex.build(docs, { ...options, probeTerms: 2 }).query(query))).toEqual(['b', 'c', 'a', 'd']);
  });
});

describe('SimilarIndex gather step: about 1000 postings read per signal', () => {
  /**
   * An index of tag groups: group k is `sizes[k]` stories with the one tag `t{k}` (ids `g{k}-00000` on, so the
   * tags are numbered in group order and each tag's postings are its group in id order), and a story with no tag.
   * Returns, per group, the positions of its stories among the links of a query with `tags`.
   */
  function gathered(sizes: number[], tags: string[]): number[][] {
    const docs = sizes.flatMap((size, k) =>
      Array.from({ length: size }, (_, i) => story(`g${k}-${String(i).padStart(5, '0')}`, '', '', { tags: [`t${k}`] })),
    );
    docs.push(story('zz', '', ''));
    const options = { signals: 'tags', maxDocFrequency: 1, minScore: 0, limit: 10_000, candidates: 10_000 } as const;
    const found = sizes.map((): number[] => []);
    for (const link of SimilarIndex.build(docs, options).query(story('q', '', '', { tags }))) {
      const [, group, position] = /^g(\d+)-(\d+)$/.exec(link.id) ?? [];
      found[Number(group)]?.push(Number(position));
    }
    return found.map((list) => list.sort((a, b) => a - b));
  }
  /** Positions 0 to size - 1, every `stride`-th. */
  const every = (size: number, stride = 1): number[] =>
    Array.from({ length: Math.ceil(size / stride) }, (_, i) => i * stride);

  test.each<[string, number[], string[], number[][]]>([
    [
      'probes with 900 postings in all are read whole',
      [300, 300, 300],
      ['t0', 't1', 't2'],
      [every(300), every(300), every(300)],
    ],
    ['a probe with exactly 1000 postings is read whole', [1000], ['t0'], [every(1000)]],
    ['a probe with 1001 postings is read at a stride of 2', [1001], ['t0'], [every(1001, 2)]],
    ['a probe with 2001 postings is read at a stride of 3', [2001], ['t0'], [every(2001, 3)]],
    [
      'the rarest probes first: the budget is spent after 400 + 600',
      [400, 600, 700],
      ['t0', 't1', 't2'],
      [every(400), every(600), []],
    ],
    [
      'the rarest probes first, whatever their order in the story',
      [700, 600, 400],
      ['t0', 't1', 't2'],
      [[], every(600), every(400)],
    ],
    ['the last probe read is read whole', [300, 800, 900], ['t0', 't1', 't2'], [every(300), every(800), []]],
    [
      'probes of equal length in tag order, whatever their order in the story',
      [500, 500, 500],
      ['t2', 't1', 't0'],
      [every(500), every(500), []],
    ],
    ['a strided probe spends only the postings it reads', [1500, 1600], ['t1', 't0'], [every(1500, 2), every(1600, 2)]],
  ])('%s', (_name, sizes, tags, expected) => {
    expect(gathered(sizes, tags)).toEqual(expected);
  });
});

describe('SimilarIndex pool: the candidates scored exactly are the best by an approximate score', () => {
  // Tags only, with one candidate scored exactly, so that the approximate score alone picks the link.
  const pick = (docs: SimilarInput[], query: SimilarInput, options: SimilarOptions = {}): [string, number][] =>
    SimilarIndex.build(docs, { signals: 'tags', minScore: 0, candidates: 1, limit: 1, ...options })
      .query(query)
      .map((link) => [link.id, Math.round(link.score * 1e6) / 1e6]);
  const q = story('q', '', '', { tags: ['x', 'y'] });

  test('the tag score divides by the larger tag sum in the pool too', () => {
    // Every tag is in two of five stories (idf ln 2.5): "xyw" scores 2/5 (its three other tags count in its own
    // sum), "x1" and "y1" 1/2 each, and "x1" comes first in id order.
    const docs = [
      story('xyw', '', '', { tags: ['x', 'y', 'w1', 'w2', 'w3'] }),
      story('x1', '', '', { tags: ['x'] }),
      story('y1', '', '', { tags: ['y'] }),
      story('w', '', '', { tags: ['w1', 'w2', 'w3'] }),
      story('z', '', ''),
    ];
    expect(pick(docs, q)).toEqual([['x1', 0.5]]);
  });

  // x and y are each in two of four stories (idf ln 2): "xy" scores 1 before recency, "x1" and "y1" 1/2 each.
  const day = (d: number): string => new Date(Date.UTC(2025, 0, 31 + d)).toISOString();
  type Dates = Partial<Record<'q' | 'xy' | 'x1', number>>;
  /** The link picked with the given dates (in days; undated when absent; "y1" always undated). */
  function best(dates: Dates, options: SimilarOptions = {}): [string, number][] {
    const dated = (doc: SimilarInput): SimilarInput => {
      const d = dates[doc.id as keyof Dates];
      return d === undefined ? doc : { ...doc, publishedAt: day(d) };
    };
    const docs = [
      story('xy', '', '', { tags: ['x', 'y'] }),
      story('x1', '', '', { tags: ['x'] }),
      story('y1', '', '', { tags: ['y'] }),
      story('z', '', ''),
    ];
    return pick(docs.map(dated), dated(q), options);
  }

  test('every probe adds to the approximate score', () => {
    // With only one probe counted "xy" would tie with "x1" and "y1", and "x1" comes first in id order.
    expect(best({})).toEqual([['xy', 1]]);
  });

  const decay = { recencyHalfLifeDays: 10, recencyFloor: 0 };
  const floor = { recencyHalfLifeDays: 10, recencyFloor: 0.4 };
  test.each<[string, Dates, SimilarOptions, [string, number][]]>([
    // "x1" beats "y1" on the date: same score, and an undated story comes after a dated one.
    ['two half-lives apart, the best scores a quarter', { q: 0, xy: -20, x1: 0 }, decay, [['x1', 0.5]]],
    ['half a half-life apart, the best still wins', { q: 0, xy: -5, x1: 0 }, decay, [['xy', 0.707107]]],
    ['forward in time as backward', { q: 0, xy: 20, x1: 0 }, decay, [['x1', 0.5]]],
    ['an undated query decays nothing', { xy: -40, x1: 0 }, decay, [['xy', 1]]],
    ['an undated story decays nothing', { q: 0, x1: 0 }, decay, [['xy', 1]]],
    ['past the floor the factor is the floor', { q: 0, xy: -30, x1: 0 }, floor, [['x1', 0.5]]],
    ['before the floor, as decayed', { q: 0, xy: -12, x1: 0 }, floor, [['x1', 0.5]]],
    ['well before the floor, as decayed', { q: 0, xy: -9, x1: 0 }, floor, [['xy', 0.535887]]],
  ])('recency picks the pool too: %s', (_name, dates, options, expected) => {
    expect(best(dates, options)).toEqual(expected);
  });
});
