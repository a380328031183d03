/**
 * SimilarIndex on small, hand-built newsrooms: expectations written out by hand for each case. The same API over a
 * large generated corpus is in similar-corpus.test.ts (slow: kept apart so that mutation testing can run these alone).
 */
import { describe, expect, test } from 'vitest';
import type { SimilarInput, SimilarLink } from '../src/lib/similar/options.ts';
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
  test.each([
    ['nothing', undefined, /received nothing/],
    ['another format', { format: 2 }, /received format 2/],
  ])('fromTransfer rejects %s', (_name, data, message) => {
    expect(() => SimilarIndex.fromTransfer(data as never)).toThrow(message);
  });
});
