import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import type { SimilarInput, SimilarLink, SimilarOptions } from '../src/lib/similar/options.ts';
import { findSimilar } from '../src/lib/similar/similar-index.ts';
import { foldText, tokenize } from '../src/lib/similar/text.ts';
import {
  ceilingMetrics,
  EvalDataError,
  evaluateAll,
  parseEvalJsonl,
  scoreRankings,
  toSimilarInputs,
  type EvalArticle,
} from '../scripts/lib/eval-similar.ts';

const FIXTURE = new URL('./fixtures/similar-eval.jsonl', import.meta.url);
const ROOT = new URL('..', import.meta.url);

function story(id: string, title: string, text: string, extra: Partial<SimilarInput> = {}): SimilarInput {
  return { id, title, text, tags: [], ...extra };
}

/** Stories about other things, so that idf has something to compare against. */
const BACKGROUND: SimilarInput[] = [
  story('bg-budget', 'Parliament passes the budget', 'Members voted on spending for schools and roads.'),
  story('bg-match', 'Late goal wins the derby', 'The striker scored in the last minute of the match.'),
  story('bg-film', 'Festival opens with a premiere', 'The director presented her film to a full cinema.'),
  story('bg-bank', 'Central bank holds interest rates', 'Inflation slowed, so rates stay where they are.'),
];

const ids = (links: readonly SimilarLink[] | undefined): string[] => (links ?? []).map((link) => link.id);

describe('tokenize', () => {
  test.each([
    ['folds accents and case', 'Café ZOË Ångström', ['cafe', 'zoe', 'angstrom']],
    ['drops stop words and single characters', 'The mayor and a deputy of X', ['mayor', 'deputy']],
    ['drops possessives, joins apostrophes', "Iceland's O'Brien won’t resign", ['iceland', 'obrien', 'resign']],
    [
      'keeps numbers, splits on punctuation',
      'COVID-19 cases rose 12% in 2024',
      ['covid', '19', 'cases', 'rose', '12', '2024'],
    ],
  ])('%s', (_name, input, expected) => {
    expect(tokenize(input)).toEqual(expected);
  });

  test('foldText leaves plain ASCII alone apart from case', () => {
    expect(foldText('Harbour Strike')).toBe('harbour strike');
  });
});

interface RankCase {
  name: string;
  docs: SimilarInput[];
  options?: SimilarOptions;
  query: string;
  expected: string[];
}

const QUERY = story(
  'q',
  'Harbour strike halts container ships',
  'Dock workers at the harbour went on strike, and container ships wait offshore.',
);

const rankCases: RankCase[] = [
  {
    name: 'closer text ranks higher; unrelated stories are left out',
    docs: [
      QUERY,
      story(
        'close',
        'Dock workers extend harbour strike',
        'The harbour strike by dock workers goes on; container ships still wait.',
      ),
      story('partial', 'Container prices climb', 'Shipping container prices rose again this month.'),
      ...BACKGROUND,
    ],
    query: 'q',
    expected: ['close', 'partial'],
  },
  {
    name: 'a shared rare tag lifts one of two stories with the same text (hybrid)',
    docs: [
      { ...QUERY, tags: ['rotterdam', 'labour'] },
      story('a-same-text', 'Harbour strike goes on', 'Dock workers keep up the strike.', { tags: ['labour'] }),
      story('b-same-text', 'Harbour strike goes on', 'Dock workers keep up the strike.', {
        tags: ['rotterdam', 'labour'],
      }),
      { ...BACKGROUND[0], tags: ['labour'] } as SimilarInput,
      ...BACKGROUND.slice(1),
    ],
    query: 'q',
    // bg-budget shares no word with the query, only the tag.
    expected: ['b-same-text', 'a-same-text', 'bg-budget'],
  },
  {
    name: 'without tags the same two stories tie and the id decides',
    docs: [
      { ...QUERY, tags: ['rotterdam', 'labour'] },
      story('a-same-text', 'Harbour strike goes on', 'Dock workers keep up the strike.', { tags: ['labour'] }),
      story('b-same-text', 'Harbour strike goes on', 'Dock workers keep up the strike.', {
        tags: ['rotterdam', 'labour'],
      }),
      { ...BACKGROUND[0], tags: ['labour'] } as SimilarInput,
      ...BACKGROUND.slice(1),
    ],
    options: { signals: 'text' },
    query: 'q',
    expected: ['a-same-text', 'b-same-text'],
  },
  {
    name: 'tags only: ranks by shared tag idf and ignores the text',
    docs: [
      { ...QUERY, tags: ['rotterdam', 'labour'] },
      story('same-text-no-tags', 'Harbour strike halts container ships', 'Dock workers at the harbour went on strike.'),
      story('both-tags', 'Council meets', 'Agenda items.', { tags: ['rotterdam', 'labour'] }),
      story('rare-tag', 'City news', 'Short items.', { tags: ['rotterdam'] }),
      { ...BACKGROUND[0], tags: ['labour'] } as SimilarInput,
      { ...BACKGROUND[1], tags: ['labour'] } as SimilarInput,
    ],
    options: { signals: 'tags' },
    query: 'q',
    expected: ['both-tags', 'rare-tag', 'bg-budget', 'bg-match'],
  },
  {
    name: 'equal scores: later publishedAt first, then id; undated last',
    docs: [
      QUERY,
      story('c-old', 'Harbour strike goes on', 'Dock workers keep up the strike.', {
        publishedAt: '2025-01-01T00:00:00Z',
      }),
      story('b-new', 'Harbour strike goes on', 'Dock workers keep up the strike.', {
        publishedAt: '2025-03-01T00:00:00Z',
      }),
      story('a-new', 'Harbour strike goes on', 'Dock workers keep up the strike.', {
        publishedAt: '2025-03-01T00:00:00Z',
      }),
      story('0-undated', 'Harbour strike goes on', 'Dock workers keep up the strike.'),
      ...BACKGROUND,
    ],
    query: 'q',
    expected: ['a-new', 'b-new', 'c-old', '0-undated'],
  },
  {
    name: 'recency: of two equal stories the one published nearer the query wins',
    docs: [
      { ...QUERY, publishedAt: '2025-06-01T12:00:00Z' },
      story('a-far', 'Harbour strike goes on', 'Dock workers keep up the strike.', {
        publishedAt: '2025-09-01T12:00:00Z',
      }),
      story('b-near', 'Harbour strike goes on', 'Dock workers keep up the strike.', {
        publishedAt: '2025-05-25T12:00:00Z',
      }),
      ...BACKGROUND,
    ],
    query: 'q',
    expected: ['b-near', 'a-far'],
  },
];

describe('findSimilar ranking', () => {
  test.each(rankCases)('$name', ({ docs, options, query, expected }) => {
    const links = findSimilar(docs, { limit: 5, ...options }).get(query);
    expect(ids(links)).toEqual(expected);
    expect(links?.every((link) => link.reason === 'similar')).toBe(true);
    const scores = (links ?? []).map((link) => link.score);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
  });
});

describe('findSimilar tag score', () => {
  // Every tag is on two of five stories, so each has idf ln(5/2) and the score is a share of tag counts.
  const docs = [
    story('q', 'One', 'alpha', { tags: ['a', 'b'] }),
    story('x', 'Two', 'beta', { tags: ['a'] }),
    story('y', 'Three', 'gamma', { tags: ['b', 'c'] }),
    story('z', 'Four', 'delta', { tags: ['c'] }),
    story('w', 'Five', 'epsilon'),
  ];

  test.each([
    [
      'q',
      [
        ['x', 0.5],
        ['y', 0.5],
      ],
    ], // one shared tag of the larger set's two
    ['x', [['q', 0.5]]],
    ['z', [['y', 0.5]]],
    ['w', []],
  ])('tags only, %s: shared idf divided by the larger of the two tag idf sums', (id, expected) => {
    const links = findSimilar(docs, { signals: 'tags' }).get(id) ?? [];
    expect(links.map((link) => [link.id, link.score])).toEqual(expected);
  });

  test('hybrid mixes the two by tagWeight', () => {
    const tags = findSimilar(docs, { signals: 'tags' }).get('q')?.[0]?.score ?? NaN;
    const hybrid = findSimilar(docs, { tagWeight: 0.3 }).get('q')?.[0]?.score ?? NaN;
    expect(hybrid).toBeCloseTo(0.3 * tags, 9); // no words in common, so the text part is 0
  });
});

describe('findSimilar recency rule', () => {
  const docs = [
    { ...QUERY, publishedAt: '2025-06-01T00:00:00Z' },
    story('same-day', 'Harbour strike goes on', 'Dock workers keep up the strike.', {
      publishedAt: '2025-06-01T00:00:00Z',
    }),
    story('month-later', 'Harbour strike goes on', 'Dock workers keep up the strike.', {
      publishedAt: '2025-07-01T00:00:00Z',
    }),
    story('year-later', 'Harbour strike goes on', 'Dock workers keep up the strike.', {
      publishedAt: '2026-06-01T00:00:00Z',
    }),
    story('undated', 'Harbour strike goes on', 'Dock workers keep up the strike.'),
    ...BACKGROUND,
  ];
  const score = (links: readonly SimilarLink[] | undefined, id: string): number =>
    links?.find((link) => link.id === id)?.score ?? NaN;

  test.each([
    ['defaults: half after one half-life (30 days), floored at 0.5', {}, 0.5, 0.5],
    ['no floor: keeps halving', { recencyFloor: 0 }, 0.5, 0.5 ** (365 / 30)],
    ['longer half-life', { recencyHalfLifeDays: 60, recencyFloor: 0 }, 0.5 ** 0.5, 0.5 ** (365 / 60)],
    ['decay off', { recencyHalfLifeDays: Infinity }, 1, 1],
  ])('%s', (_name, options, monthFactor, yearFactor) => {
    const links = findSimilar(docs, { limit: 10, minScore: 0, ...options }).get('q');
    const base = score(links, 'same-day');
    expect(base).toBeGreaterThan(0);
    expect(score(links, 'undated')).toBe(base);
    expect(score(links, 'month-later') / base).toBeCloseTo(monthFactor, 6);
    expect(score(links, 'year-later') / base).toBeCloseTo(yearFactor, 6);
  });
});

describe('findSimilar pinned and fallback', () => {
  const docs: SimilarInput[] = [
    { ...QUERY, section: 'business', pinned: ['bg-film', 'missing', 'q', 'bg-film', 'close'] },
    story(
      'close',
      'Dock workers extend harbour strike',
      'The harbour strike by dock workers goes on; container ships still wait.',
      {
        section: 'business',
      },
    ),
    story('biz-old', 'Quarterly results', 'Profits fell.', {
      section: 'business',
      publishedAt: '2025-02-01T00:00:00Z',
    }),
    story('biz-new', 'Retail sales', 'Shoppers spent more.', {
      section: 'business',
      publishedAt: '2025-04-01T00:00:00Z',
    }),
    story('lonely', 'Rare comet visible tonight', 'Astronomers expect a bright comet after sunset.', {
      section: 'science',
    }),
    story('sci-new', 'Telescope mirror polished', 'Engineers finished the mirror.', {
      section: 'science',
      publishedAt: '2025-05-02T00:00:00Z',
    }),
    story('sci-old', 'Lab opens', 'A new laboratory opened.', {
      section: 'science',
      publishedAt: '2025-01-01T00:00:00Z',
    }),
    story('sci-undated', 'Lecture series', 'Talks every Thursday.', { section: 'science' }),
    story('sci-mid', 'Grant awarded', 'Researchers won funding.', {
      section: 'science',
      publishedAt: '2025-03-01T00:00:00Z',
    }),
    { ...(BACKGROUND[2] as SimilarInput), section: 'culture' },
    ...BACKGROUND.filter((b) => b.id !== 'bg-film'),
  ];
  const result = findSimilar(docs);

  test('pinned ids come first in the given order; unknown ids, self and repeats are skipped', () => {
    const links = result.get('q') ?? [];
    expect(links.slice(0, 2)).toEqual([
      expect.objectContaining({ id: 'bg-film', reason: 'pinned' }),
      expect.objectContaining({ id: 'close', reason: 'pinned' }),
    ]);
    expect(links.filter((link) => link.id === 'close')).toHaveLength(1);
    expect(links.length).toBeLessThanOrEqual(5);
  });

  test('pinned links are kept even when there are more than limit', () => {
    const pinned = ['bg-budget', 'bg-match', 'bg-film', 'bg-bank'];
    const links =
      findSimilar(
        docs.map((d) => (d.id === 'q' ? { ...d, pinned } : d)),
        { limit: 2 },
      ).get('q') ?? [];
    expect(links.map((link) => [link.id, link.reason])).toEqual(pinned.map((id) => [id, 'pinned']));
  });

  test('a story short of similar links is filled with the latest others of its section', () => {
    const links = result.get('lonely') ?? [];
    expect(links.map((link) => [link.id, link.reason, link.score])).toEqual([
      ['sci-new', 'fallback', 0],
      ['sci-mid', 'fallback', 0],
      ['sci-old', 'fallback', 0],
      ['sci-undated', 'fallback', 0],
    ]);
  });

  test('fallback never repeats a similar link and stops at limit', () => {
    // A fourth business story, so that the section has more stories than the fallback may take.
    const older = story('biz-older', 'Factory output', 'Output rose.', {
      section: 'business',
      publishedAt: '2025-01-01T00:00:00Z',
    });
    const links = findSimilar([...docs, older], { limit: 3 }).get('close') ?? [];
    // q is both similar and in the same section: it appears once, as similar.
    expect(links.map((link) => [link.id, link.reason])).toEqual([
      ['q', 'similar'],
      ['biz-new', 'fallback'],
      ['biz-old', 'fallback'],
    ]);
  });

  test('no story links to itself, in any mode', () => {
    for (const signals of ['hybrid', 'text', 'tags'] as const) {
      for (const [id, links] of findSimilar(docs, { signals, limit: 20 })) {
        expect(ids(links)).not.toContain(id);
        expect(new Set(ids(links)).size).toBe(links.length);
      }
    }
  });
});

describe('findSimilar determinism and input checks', () => {
  const docs: SimilarInput[] = rankCases.flatMap((c, n) =>
    c.docs.map((d) => ({ ...d, id: `${n}-${d.id}`, section: n % 2 ? 'a' : 'b' })),
  );

  test.each([1, 2, 3])('shuffled input gives the same output (seed %i)', (seed) => {
    let state = seed;
    const next = (): number => (state = (state * 48271) % 2147483647) / 2147483647;
    const shuffled: SimilarInput[] = [...docs];
    for (let i = shuffled.length - 1; i > 0; i--) {
      const j = Math.floor(next() * (i + 1));
      const picked = shuffled[j];
      if (picked) [shuffled[j], shuffled[i]] = [shuffled[i] ?? picked, picked];
    }
    expect(shuffled.map((d) => d.id)).not.toEqual(docs.map((d) => d.id));
    const a = findSimilar(docs);
    const b = findSimilar(shuffled);
    expect([...b.keys()]).toEqual([...a.keys()]);
    expect([...b.entries()]).toEqual([...a.entries()]);
  });

  test.each([
    ['a duplicate id', [story('x', 'A', 'a'), story('x', 'B', 'b')], {}, /duplicate story id "x"/],
    ['an empty id', [story('', 'A', 'a')], {}, /empty id/],
    [
      'a bad date',
      [story('x', 'A', 'a', { publishedAt: 'yesterday' })],
      {},
      /"x" → publishedAt: expected an ISO 8601 date.*"yesterday"/,
    ],
    ['a negative limit', [], { limit: -1 }, /options → limit: expected a whole number of 0 or more, received -1/],
    ['a tag weight above 1', [], { tagWeight: 2 }, /options → tagWeight: expected a number from 0 to 1, received 2/],
  ] as const)('rejects %s', (_name, input, options, message) => {
    expect(() => findSimilar(input, options)).toThrow(message);
  });

  test('an empty list gives an empty map', () => {
    expect(findSimilar([]).size).toBe(0);
  });
});

describe('eval:similar metrics', () => {
  const articles = parseEvalJsonl(readFileSync(FIXTURE, 'utf8'), 'similar-eval.jsonl');
  const keyOf = new Map(toSimilarInputs(articles).map((input, n) => [(articles[n] as EvalArticle).id, input.id]));
  const rank = (byId: Record<string, string[]>): Map<string, SimilarLink[]> =>
    new Map(
      Object.entries(byId).map(([query, list]) => [
        keyOf.get(query) ?? '',
        list.map((id) => ({ id: keyOf.get(id) ?? '', score: 1, reason: 'similar' as const })),
      ]),
    );

  test('the algorithm sees a shuffled position, not the id, and entities as tags', () => {
    const inputs = toSimilarInputs(articles);
    const keys = inputs.map((input) => input.id);
    expect([...keys].sort()).toEqual(['0', '1', '2', '3', '4', '5', '6', '7']);
    expect(keys).not.toEqual([...keys].sort()); // not the file order
    expect(toSimilarInputs(articles).map((input) => input.id)).toEqual(keys); // but fixed
    expect(inputs[0]).toEqual({
      id: keys[0],
      title: articles[0]?.title,
      text: articles[0]?.body,
      tags: ['iceland', 'grindavik', 'reykjanes'],
    });
  });

  test('scores hand-made rankings', () => {
    const metrics = scoreRankings(
      articles,
      rank({
        'a1-1': ['a1-2', 'a2-1', 'a1-3'],
        'a1-2': ['b1-1', 'a1-1'],
        'a1-3': [],
        'a2-1': ['a2-2'],
        'a2-2': ['a1-1', 'a1-2', 'a1-3', 'b1-1', 'b2-1', 'a2-1'],
        'b1-1': ['b1-2'],
        'b1-2': ['b2-1', 'b1-1'],
        'b2-1': ['b1-1'], // not a query: its event has no other article
      }),
    );
    expect(metrics.queries).toBe(7);
    expect(metrics.p5).toBeCloseTo(1.2 / 7, 12);
    expect(metrics.mrr).toBeCloseTo((4 + 1 / 6) / 7, 12);
    expect(metrics.coverage1).toBeCloseTo(5 / 7, 12);
    expect(metrics.coverage5).toBe(0);
    expect(metrics.links).toBe(14);
    expect(metrics.wrongEvent).toBeCloseTo(5 / 14, 12);
  });

  test('the ceiling counts events too small to fill five links', () => {
    const ceiling = ceilingMetrics(articles);
    expect(ceiling.p5).toBeCloseTo(2 / 7, 12);
    expect(ceiling.coverage5).toBe(0);
    expect(ceiling.links).toBe(10);
  });

  test('wrong-event rate is n/a (null) without topics', () => {
    const noTopic = articles.map(({ topic: _topic, ...rest }) => rest);
    expect(scoreRankings(noTopic, rank({ 'a1-1': ['a2-1'] })).wrongEvent).toBeNull();
  });

  test('text and hybrid find every same-event article first on a separable set', () => {
    const results = evaluateAll(articles);
    const ceiling = ceilingMetrics(articles);
    for (const method of ['text', 'hybrid'] as const) {
      expect(results[method].p5).toBeCloseTo(ceiling.p5, 12);
      expect(results[method].mrr).toBe(1);
    }
  });

  test.each([
    ['bad JSON', '{"id": "x",', /line 1: expected one JSON object, but it does not parse/],
    [
      'a missing field',
      '{"id": "x", "title": "t", "body": "b", "event": "e"}',
      /line 1 → entities: expected a list of strings, received nothing/,
    ],
    [
      'a wrong entity',
      '{"id": "x", "title": "t", "body": "b", "event": "e", "entities": ["a", 3]}',
      /line 1 → entities\[1\]: expected a string, received 3/,
    ],
    [
      'an empty event',
      '{"id": "x", "title": "t", "body": "b", "event": " ", "entities": []}',
      /line 1 → event: expected a non-empty string/,
    ],
    [
      'a repeated id',
      '{"id": "x", "title": "t", "body": "b", "event": "e", "entities": []}\n{"id": "x", "title": "t", "body": "b", "event": "e", "entities": []}',
      /line 2 → id: "x" was already used on line 1/,
    ],
    [
      'topics on some lines only',
      '{"id": "x", "title": "t", "body": "b", "event": "e", "entities": [], "topic": "1"}\n{"id": "y", "title": "t", "body": "b", "event": "e", "entities": []}',
      /line 2 → topic: missing, but line 1 has one/,
    ],
    ['no articles', '\n\n', /no articles/],
  ])('rejects %s, naming the line and field', (_name, source, message) => {
    expect(() => parseEvalJsonl(source, 'x.jsonl')).toThrow(EvalDataError);
    expect(() => parseEvalJsonl(source, 'x.jsonl')).toThrow(message);
  });

  test('reports every bad line in one run', () => {
    const source = ['{}', '{"id": "ok", "title": "t", "body": "b", "event": "e", "entities": []}', 'nope'].join('\n');
    const error = (() => {
      try {
        parseEvalJsonl(source, 'x.jsonl');
      } catch (e) {
        return e as EvalDataError;
      }
      return undefined;
    })();
    expect(error?.issues.map((issue) => issue.split(/[ :]/, 2).join(' '))).toEqual([
      'line 1',
      'line 1',
      'line 1',
      'line 1',
      'line 1',
      'line 3',
    ]);
  });
});

describe('eval:similar command', () => {
  const run = (...args: string[]) =>
    spawnSync(process.execPath, ['scripts/eval-similar.ts', ...args], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });

  test('--json prints the three methods', () => {
    const { status, stdout } = run('test/fixtures/similar-eval.jsonl', '--json');
    expect(status).toBe(0);
    const parsed = JSON.parse(stdout) as Record<string, Record<string, unknown>>;
    expect(Object.keys(parsed)).toEqual(['tags', 'text', 'hybrid']);
    expect(Object.keys(parsed['hybrid'] ?? {})).toEqual(
      expect.arrayContaining(['p5', 'mrr', 'coverage1', 'coverage5', 'wrongEvent']),
    );
  });

  test('exits 1 naming the line and field of a malformed file, and for a missing file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'eval-similar-'));
    const bad = join(dir, 'bad.jsonl');
    writeFileSync(
      bad,
      '{"id": "x", "title": "t", "body": "b", "event": "e", "entities": []}\n{"id": "y", "title": 5}\n',
    );
    const malformed = run(bad);
    expect(malformed.status).toBe(1);
    expect(malformed.stderr).toContain('line 2 → title: expected a string, received 5');
    const missing = run(join(dir, 'nope.jsonl'));
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain('no such file');
  });
});
