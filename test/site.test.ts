import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { renderBody } from '../src/lib/body/body.ts';
import { formatIssue } from '../src/lib/model/content-error.ts';
import { readContentDir } from '../src/lib/sources/content-files.ts';
import { buildSite, isLive, validateSite, type SiteSource } from '../src/lib/site/site.ts';
import { parseStory, type Story } from '../src/lib/model/story.ts';

const NOW = new Date('2026-01-01T00:00:00Z');

function story(slug: string, fields: Record<string, unknown> = {}): { story: Story; where: string } {
  const raw = {
    title: `Story ${slug}`,
    slug,
    dek: 'Dek.',
    publishedAt: '2025-11-19T00:00:00Z',
    section: 'world',
    tags: ['Ukraine'],
    authors: ['jane'],
    body: { format: 'markdown', value: `Body of ${slug}.` },
    ...fields,
  };
  const parsed = parseStory(`story-${slug}`, `stories/${slug}.md`, raw);
  if (!parsed.story) throw new Error(parsed.issues.map(formatIssue).join('\n'));
  return { story: parsed.story, where: `stories/${slug}.md` };
}

function source(stories: SiteSource['stories']): SiteSource {
  return {
    stories,
    rejected: [],
    sections: [
      { def: { slug: 'world', name: 'World' }, where: 'sections.yaml[0]' },
      { def: { slug: 'business', name: 'Business' }, where: 'sections.yaml[1]' },
    ],
    authors: [{ def: { slug: 'jane', name: 'Jane Park' }, where: 'authors.yaml[0]' }],
    tags: [{ def: { name: 'Ukraine', aliases: ['Ukrainian'] }, where: 'tags.yaml[0]' }],
    issues: [],
  };
}

const build = (s: SiteSource) => buildSite(s, { now: NOW, render: (x) => renderBody(x.body) });

describe('validateSite', () => {
  test('reports duplicate slugs, unknown sections, authors and pinned stories, in file order', () => {
    const s = source([
      story('a', { section: 'sport', authors: ['jane', 'nobody'] }),
      story('b', { related: ['missing', 'b'] }),
      { ...story('c'), where: 'stories/c-copy.md' },
      story('c'),
    ]);
    expect(validateSite(s).map(formatIssue)).toMatchInlineSnapshot(`
      [
        "stories/a.md → section: unknown section "sport" (known sections: business, world)",
        "stories/a.md → authors[1]: unknown author "nobody" (known authors: jane)",
        "stories/b.md → related[0]: no story has the slug "missing"",
        "stories/b.md → related[1]: a story cannot be pinned as related to itself",
        "stories/c.md → slug: the story slug "c" is already used by stories/c-copy.md (give each story its own slug)",
      ]
    `);
  });

  test('stories that failed validation are still cross-checked', () => {
    const s = source([story('a')]);
    s.rejected.push({ where: 'stories/broken.md', refs: { slug: 'a', section: 'nowhere' } });
    expect(validateSite(s).map(formatIssue)).toMatchInlineSnapshot(`
      [
        "stories/broken.md → slug: the story slug "a" is already used by stories/a.md (give each story its own slug)",
        "stories/broken.md → section: unknown section "nowhere" (known sections: business, world)",
      ]
    `);
  });
});

describe('buildSite', () => {
  test('drafts and scheduled stories are left out; the rest are newest first, ties by id', () => {
    const site = build(
      source([
        story('old', { publishedAt: '2025-01-01T00:00:00Z' }),
        story('draft', { draft: true }),
        story('future', { publishedAt: '2026-06-01T00:00:00Z' }),
        story('tie-b', { publishedAt: '2025-06-01T00:00:00Z' }),
        story('tie-a', { publishedAt: '2025-06-01T00:00:00Z' }),
      ]),
    );
    expect(site.stories.map((s) => s.slug)).toEqual(['tie-a', 'tie-b', 'old']);
    expect(isLive({ draft: false, publishedAt: '2026-01-01T00:00:00.000Z' }, NOW)).toBe(true);
  });

  test('tags fold: aliases and spellings meet on one tag page, counted once per story', () => {
    const site = build(
      source([
        story('a', { tags: ['Ukraine', 'ukrainian', 'UKRAINE'] }),
        story('b', { tags: ['Ukrainian', 'Peace plan'] }),
        story('c', { tags: ['peace-plan'] }),
      ]),
    );
    expect(site.tags.map((t) => [t.slug, t.name, t.count])).toEqual([
      ['peace-plan', 'Peace plan', 2],
      ['ukraine', 'Ukraine', 2],
    ]);
    expect(site.stories.find((s) => s.slug === 'a')?.tags).toEqual([
      { slug: 'ukraine', name: 'Ukraine', url: '/tags/ukraine/' },
    ]);
  });

  test('every story gets Similar News without itself; pinned first; fallbacks marked', () => {
    const site = build(
      source([
        story('a', {
          tags: ['Ukraine', 'War'],
          body: { format: 'markdown', value: 'Ukraine war drones front line.' },
          related: ['d'],
        }),
        story('b', { tags: ['Ukraine', 'War'], body: { format: 'markdown', value: 'Ukraine war front line drones.' } }),
        story('c', { tags: ['Ukraine'], body: { format: 'markdown', value: 'Ukraine grain exports.' } }),
        story('d', {
          section: 'business',
          tags: ['Rates'],
          body: { format: 'markdown', value: 'Central bank interest rates.' },
        }),
      ]),
    );
    const a = site.stories.find((s) => s.slug === 'a');
    expect(a?.similar[0]).toMatchObject({ slug: 'd', reason: 'pinned' });
    expect(a?.similar[1]).toMatchObject({ slug: 'b', reason: 'similar' });
    for (const s of site.stories) expect(s.similar.map((x) => x.slug)).not.toContain(s.slug);
    const d = site.stories.find((s) => s.slug === 'd');
    expect(d?.similar.every((x) => x.reason !== 'pinned')).toBe(true);
  });

  test('sections and authors list their stories; the tag index groups tags', () => {
    const site = build(source([story('a'), story('b', { section: 'business' })]));
    expect(site.sections.map((s) => [s.slug, s.stories.map((x) => x.slug)])).toEqual([
      ['world', ['a']],
      ['business', ['b']],
    ]);
    expect(site.authors[0]?.stories).toHaveLength(2);
    expect(site.tagIndex.letters.map((g) => g.letter)).toEqual(['U']);
  });
});

describe('readContentDir', () => {
  test('reads the demo content without a problem', async () => {
    const s = await readContentDir('content');
    expect(validateSite(s)).toEqual([]);
    expect(s.stories.length).toBeGreaterThanOrEqual(40);
    expect(new Set(s.stories.map((x) => x.story.section)).size).toBeGreaterThanOrEqual(5);
  });

  test('reports every bad file and data file in one run', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'content-'));
    mkdirSync(path.join(dir, 'stories'));
    writeFileSync(path.join(dir, 'sections.yaml'), '- slug: world\n  name: World\n- slug: World Two\n  name: ""\n');
    writeFileSync(path.join(dir, 'authors.yaml'), 'not: a list\n');
    writeFileSync(path.join(dir, 'tags.yaml'), '- name: Peace plan\n- name: peace-plan\n');
    writeFileSync(path.join(dir, 'stories', 'bad-yaml.md'), '---\ntitle: [unclosed\n---\nBody\n');
    writeFileSync(
      path.join(dir, 'stories', 'bad-date.md'),
      '---\ntitle: T\ndek: D\npublishedAt: 2025-02-30\nsection: world\nauthors: [x]\n---\nBody\n',
    );
    writeFileSync(path.join(dir, 'stories', 'body-field.md'), '---\ntitle: T\nbody: hello\n---\n');
    const s = await readContentDir(dir, 'content');
    expect(validateSite(s).map(formatIssue)).toMatchInlineSnapshot(`
      [
        "content/authors.yaml: expected a YAML list of entries, received an object",
        "content/sections.yaml[1] → slug: expected a slug of lower-case letters, digits and hyphens, like "us-politics", received "World Two"",
        "content/sections.yaml[1] → name: expected a non-empty name, received """,
        "content/stories/bad-date.md → publishedAt: expected a date like 2025-11-20T14:30:00Z (ISO 8601, with a time zone), received "2025-02-30"",
        "content/stories/bad-date.md → authors[0]: unknown author "x" (known authors: )",
        "content/stories/bad-yaml.md: the front matter is not valid YAML: unexpected end of the stream within a flow collection (2:17) (check the lines between the two --- markers)",
        "content/stories/body-field.md → body: expected the body below the front matter, not a "body" field in it",
        "content/tags.yaml[1] → name: "peace-plan" folds to the slug "peace-plan", which content/tags.yaml[0] already uses for "Peace plan" (tag "Peace plan") (merge the two tags, or make one an alias of the other)",
      ]
    `);
  });
});

describe('buildSite: views', () => {
  test('only a story whose comments are closed says so', () => {
    const site = build(source([story('open'), story('closed', { commentsClosed: true })]));
    expect(site.stories.map((s) => [s.slug, s.commentsClosed])).toEqual([
      ['closed', true],
      ['open', undefined],
    ]);
    expect(site.stories.find((s) => s.slug === 'open')).not.toHaveProperty('commentsClosed');
  });

  test('a body the renderer throws a non-Error at is a content problem quoting it', () => {
    const s = source([story('a')]);
    expect(() =>
      buildSite(s, {
        now: NOW,
        render: () => {
          // eslint-disable-next-line @typescript-eslint/only-throw-error -- the case under test
          throw 'no renderer';
        },
      }),
    ).toThrow('stories/a.md → body: the body was not built: it could not be rendered (no renderer)');
  });

  test('Similar News links to stories the site does not show are dropped; the others become cards', () => {
    const site = buildSite(source([story('a'), story('b')]), {
      now: NOW,
      render: (x) => renderBody(x.body),
      similar: () =>
        new Map([
          [
            'story-a',
            [
              { id: 'story-gone', score: 0.9, reason: 'similar' as const },
              { id: 'story-b', score: 0.5, reason: 'similar' as const },
            ],
          ],
        ]),
    });
    const a = site.stories.find((s) => s.slug === 'a');
    expect(a?.similar.map((c) => [c.slug, c.reason])).toEqual([['b', 'similar']]);
    expect(site.stories.find((s) => s.slug === 'b')?.similar).toEqual([]);
  });
});
