// `npm run import` and `npm run export` against the lake, as child processes over HTTP with the real @sanity/client:
// idempotence, the round trip content -> dataset -> markdown, drafts, pins, and the failures an editor meets.
import { cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { renderBody } from '../../src/lib/body/body.ts';
import { readContentDir } from '../../src/lib/sources/content-files.ts';
import { buildSite, validateSite, type SiteSource } from '../../src/lib/site/site.ts';
import { buildTagVocabulary } from '../../src/lib/model/tags.ts';
import {
  ADMIN_TOKEN,
  closedPort,
  ROOT,
  runScript,
  sanityEnv,
  startTestLake,
  type RunResult,
  type TestLake,
} from './sanity-harness.ts';

/** Stories added to a copy of the demo content: a draft, a story that pins it, and the fields easiest to lose. */
const FIXTURE_STORIES: Record<string, string> = {
  // Sorts before every other story, so its spelling of the ad-hoc tag "budget talks" would win if drafts counted.
  'aaa-roundtrip-draft.md': `---
title: "Round trip: a draft"
dek: "Written, not yet published."
publishedAt: 2025-11-01T10:00:00Z
section: world
tags: [budget talks, Trump]
authors: [jane-park]
draft: true
---
The draft's body.
`,
  'roundtrip-pins.md': `---
title: "Round trip: pins, aliases, an update and a source"
slug: roundtrip-pins-custom-slug
dek: "Every optional field, once."
publishedAt: 2025-11-02T10:00:00Z
updatedAt: 2025-11-03T08:30:00Z
updateNote: "Update: this story now has an update note."
section: world
tags: [Trump, Zelenskyy, Budget Talks, "PEACE  PLAN"]
authors: [jane-park, daniel-reyes]
source: { name: "Reuters", url: "https://www.reuters.com/world/example" }
image: { src: /images/kyiv-skyline.svg, alt: "Domes at dusk.", caption: "A caption.", credit: "Illustration: Newsdesk" }
related: [aaa-roundtrip-draft, us-drafted-28-point-plan-ukraine-war]
seo: { metaTitle: "An SEO title", metaDescription: "An SEO description." }
---
A paragraph with **bold**, *emphasis*, ~~a strike~~, \`code\` and [a link](https://example.com/page).

![An inline chip](/images/chip-grid.svg "An inline caption")

#### A small heading

> A quote.

1. One
2. Two
   - nested

| Team | Score |
| --- | --- |
| A | 1 |
`,
};

let lake: TestLake;
let dir: string;
let contentDir: string;
let firstImport: RunResult;

/** A copy of the demo content with the fixture stories and a portrait for one author. */
async function fixtureContent(target: string): Promise<void> {
  await cp(path.join(ROOT, 'content'), target, { recursive: true });
  for (const [file, text] of Object.entries(FIXTURE_STORIES)) await writeFile(path.join(target, 'stories', file), text);
  const authors = await readFile(path.join(target, 'authors.yaml'), 'utf8');
  const withPortrait = authors.replace(
    '- slug: jane-park\n',
    '- slug: jane-park\n  image: { src: /images/amazon-canopy.svg, alt: "A portrait." }\n',
  );
  expect(withPortrait).not.toBe(authors);
  await writeFile(path.join(target, 'authors.yaml'), withPortrait);
}

const importArgs = (content: string) => ['--content', content, '--public', path.join(ROOT, 'public')];

beforeAll(async () => {
  lake = await startTestLake();
  dir = await mkdtemp(path.join(tmpdir(), 'import-export-'));
  contentDir = path.join(dir, 'content');
  await fixtureContent(contentDir);
  firstImport = await runScript('scripts/import.ts', importArgs(contentDir), sanityEnv(lake.lake, 'roundtrip'));
}, 60_000);

afterAll(async () => {
  await lake?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('import', () => {
  test('the first import creates every document', () => {
    expect(firstImport.stderr).toBe('');
    expect(firstImport.code).toBe(0);
    expect(firstImport.stdout).toMatch(
      /Imported 61 stories, 7 sections, 6 authors, \d+ tags into "roundtrip": \d+ created, 0 updated, 0 unchanged, 0 removed; 6 images/,
    );
  });

  test('importing again changes nothing: 0 created, 0 updated, the same revisions', async () => {
    const revisions = async () =>
      lake
        .client('roundtrip')
        .fetch<{ _id: string; _rev: string }[]>(
          '*[_type in ["story", "section", "author", "tag"]]{_id, _rev} | order(_id asc)',
        );
    const before = await revisions();
    expect(before.length).toBeGreaterThan(100);
    const again = await runScript('scripts/import.ts', importArgs(contentDir), sanityEnv(lake.lake, 'roundtrip'));
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain(`0 created, 0 updated, ${before.length} unchanged, 0 removed`);
    expect(await revisions()).toEqual(before);
  });

  test('a draft story is stored as drafts.<id> only', async () => {
    const client = lake.client('roundtrip');
    expect(await client.getDocument('drafts.story-aaa-roundtrip-draft')).toMatchObject({
      _type: 'story',
      title: 'Round trip: a draft',
    });
    expect(await client.getDocument('story-aaa-roundtrip-draft')).toBeUndefined();
  });

  test('a pin on a draft is a weak reference (Sanity refuses a strong one to a missing document); a pin on a published story is strong', async () => {
    const doc = await lake.client('roundtrip').getDocument('story-roundtrip-pins');
    expect(doc?.['related']).toEqual([
      expect.objectContaining({ _type: 'reference', _ref: 'story-aaa-roundtrip-draft', _weak: true }),
      expect.not.objectContaining({ _weak: true }),
    ]);
    expect((doc?.['related'] as { _ref: string }[])[1]?._ref).toBe('story-us-drafted-28-point-plan-ukraine-war');
  });

  test('a story switched from draft to published and back keeps exactly one document', async () => {
    const switched = path.join(dir, 'switched');
    await fixtureContent(switched);
    const env = sanityEnv(lake.lake, 'switch');
    const ids = async () =>
      lake.client('switch').fetch<string[]>('*[_id in $ids]._id', {
        ids: ['story-aaa-roundtrip-draft', 'drafts.story-aaa-roundtrip-draft'],
      });
    const draftFile = path.join(switched, 'stories', 'aaa-roundtrip-draft.md');
    const draftText = await readFile(draftFile, 'utf8');

    expect((await runScript('scripts/import.ts', importArgs(switched), env)).code).toBe(0);
    expect(await ids()).toEqual(['drafts.story-aaa-roundtrip-draft']);

    await writeFile(draftFile, draftText.replace('draft: true', 'draft: false'));
    const published = await runScript('scripts/import.ts', importArgs(switched), env);
    expect(published.stdout).toMatch(/: 1 created, \d+ updated, \d+ unchanged, 1 removed;/);
    expect(await ids()).toEqual(['story-aaa-roundtrip-draft']);

    await writeFile(draftFile, draftText);
    const unpublished = await runScript('scripts/import.ts', importArgs(switched), env);
    expect(unpublished.code, unpublished.stderr).toBe(0);
    expect(await ids()).toEqual(['drafts.story-aaa-roundtrip-draft']);
  });
});

/**
 * What "lossless" means for content -> dataset -> export: reading the original folder and the exported one with
 * `readContentDir` gives, with no problem on either side,
 * - the same stories (by id), every field equal: title, slug, dek, dates (as ISO instants), update note, section,
 *   authors, source, image (src, alt, caption, credit), seo, pinned stories, draft; tags compared as the tag slugs
 *   they resolve to, in order, once each (an alias comes back as its tag's name); the body compared as the HTML it renders to
 *   (the export writes normalised markdown, `S&P` as `S\&P`, lists and quotes re-flowed);
 * - the same sections in the same order, the same authors (by slug: authors.yaml's order means nothing and the
 *   dataset does not keep it), and a tag vocabulary that resolves every spelling the original knows (names,
 *   aliases, ad-hoc tags) to the same slug and name;
 * - the same `buildSite` model at one instant: story pages with their HTML and Similar News, listings, tag pages.
 * Not compared: YAML formatting and comments, the files' bytes, tags.yaml gaining an entry per ad-hoc tag.
 */
describe('export: the round trip content -> dataset -> files is lossless', () => {
  let original: SiteSource;
  let exported: SiteSource;
  let exportRun: RunResult;
  let outDir: string;

  beforeAll(async () => {
    outDir = path.join(dir, 'exported');
    exportRun = await runScript(
      'scripts/export.ts',
      ['--out', outDir, '--public', path.join(dir, 'public')],
      sanityEnv(lake.lake, 'roundtrip'),
    );
    original = await readContentDir(contentDir);
    exported = await readContentDir(outDir);
  }, 60_000);

  test('the export succeeds and writes every story', async () => {
    expect(exportRun.code, exportRun.stderr).toBe(0);
    expect(exportRun.stdout).toContain('Exported 61 stories from "roundtrip"');
    expect((await readdir(path.join(outDir, 'stories'))).sort()).toEqual(
      (await readdir(path.join(contentDir, 'stories'))).sort(),
    );
    // Images come back under the public folder with their original names.
    expect((await readdir(path.join(dir, 'public', 'images'))).sort()).toEqual([
      'amazon-canopy.svg',
      'chip-grid.svg',
      'hurricane-spiral.jpg',
      'kyiv-skyline.svg',
      'mars-sample-tubes.svg',
      'rate-steps.svg',
    ]);
  });

  test('both folders are valid', () => {
    expect(validateSite(original)).toEqual([]);
    expect(validateSite(exported)).toEqual([]);
  });

  test('every story is the same, tags resolved to slugs and bodies compared as HTML', () => {
    const a = comparableStories(original);
    const b = comparableStories(exported);
    expect(b.map((s) => s.id)).toEqual(a.map((s) => s.id));
    const differences = a.flatMap((story, i) => {
      const other = b[i] ?? {};
      return Object.keys({ ...story, ...other })
        .filter((key) => !isDeepStrictEqual(story[key as keyof typeof story], other[key as keyof typeof other]))
        .map(
          (key) =>
            `${story.id} → ${key}: ${JSON.stringify(story[key as keyof typeof story])} became ${JSON.stringify(other[key as keyof typeof other])}`,
        );
    });
    expect(differences).toEqual([]);
  });

  test('the draft comes back as draft: true; the pins, the update note and the source survive', () => {
    const story = (source: SiteSource, id: string) => source.stories.find((s) => s.story.id === id)?.story;
    expect(story(exported, 'story-aaa-roundtrip-draft')?.draft).toBe(true);
    expect(story(exported, 'story-fed-chair-succession-explainer')?.draft).toBe(true);
    const pins = story(exported, 'story-roundtrip-pins');
    expect(pins).toMatchObject({
      slug: 'roundtrip-pins-custom-slug',
      related: ['aaa-roundtrip-draft', 'us-drafted-28-point-plan-ukraine-war'],
      updateNote: 'Update: this story now has an update note.',
      updatedAt: '2025-11-03T08:30:00.000Z',
      source: { name: 'Reuters', url: 'https://www.reuters.com/world/example' },
      seo: { metaTitle: 'An SEO title', metaDescription: 'An SEO description.' },
      image: {
        src: '/images/kyiv-skyline.svg',
        alt: 'Domes at dusk.',
        caption: 'A caption.',
        credit: 'Illustration: Newsdesk',
      },
    });
    // The demo story that reports Axios's scoop keeps its source and update note too.
    expect(story(exported, 'story-us-drafted-28-point-plan-ukraine-war')).toMatchObject({
      source: { name: 'Axios' },
      updateNote: expect.stringContaining('Update:'),
    });
  });

  test('sections, authors and the tag vocabulary are the same', () => {
    expect(exported.sections.map((s) => s.def)).toEqual(original.sections.map((s) => s.def));
    const bySlug = (source: SiteSource) =>
      source.authors.map((a) => a.def).sort((x, y) => x.slug.localeCompare(y.slug));
    expect(bySlug(exported)).toEqual(bySlug(original));
    expect(bySlug(exported).find((a) => a.slug === 'jane-park')?.image).toEqual({
      src: '/images/amazon-canopy.svg',
      alt: 'A portrait.',
    });

    const spellings = [
      ...original.tags.flatMap((t) => [t.def.name, ...t.def.aliases]),
      ...original.stories.flatMap((s) => s.story.tags),
    ];
    const resolveAll = (source: SiteSource) => {
      // Resolve story tags in id order first, as buildSite does, so ad-hoc tags get their first spelling.
      const { vocabulary } = buildTagVocabulary(source.tags);
      for (const { story } of [...source.stories]
        .filter((s) => !s.story.draft)
        .sort((x, y) => x.story.id.localeCompare(y.story.id)))
        story.tags.forEach((t) => vocabulary.resolve(t));
      return spellings.map((spelling) => ({ spelling, ...vocabulary.resolve(spelling) }));
    };
    expect(resolveAll(exported)).toEqual(resolveAll(original));
  });

  test('buildSite gives the same site', () => {
    const options = {
      now: new Date('2026-06-01T00:00:00Z'),
      render: (story: { body: Parameters<typeof renderBody>[0] }) => renderBody(story.body),
    };
    const a = buildSite(original, options);
    const b = buildSite(exported, options);
    expect(b.stories).toEqual(a.stories);
    expect(b.sections).toEqual(a.sections);
    expect(b.tags).toEqual(a.tags);
    expect(b.tagIndex).toEqual(a.tagIndex);
    expect(b.layoutKey).toBe(a.layoutKey);
    const authors = (site: typeof a) => [...site.authors].sort((x, y) => x.slug.localeCompare(y.slug));
    expect(authors(b)).toEqual(authors(a));
    // The fixture is on the site, with its pin on the published story (the draft's pin waits for it to be published).
    const pins = a.stories.find((s) => s.id === 'story-roundtrip-pins');
    expect(pins?.similar[0]).toMatchObject({ slug: 'us-drafted-28-point-plan-ukraine-war', reason: 'pinned' });
    expect(a.tags.find((t) => t.slug === 'budget-talks')?.name).toBe('Budget Talks');
  });
});

describe('failures: exit 1, one line naming what to check, no stack trace, nothing written', () => {
  /** The one line a failed run printed. */
  const oneLine = (run: RunResult) => {
    expect(run.code).toBe(1);
    const lines = run.stderr.trim().split('\n');
    expect(lines, run.stderr).toHaveLength(1);
    expect(run.stderr).not.toMatch(/^\s+at /m);
    return lines[0] ?? '';
  };

  test('a bad token (401) names SANITY_TOKEN', async () => {
    const run = await runScript(
      'scripts/import.ts',
      importArgs(contentDir),
      sanityEnv(lake.lake, 'bad-token', { SANITY_TOKEN: 'not-a-real-token' }),
    );
    const line = oneLine(run);
    expect(line).toMatch(/^error: .*401.*SANITY_TOKEN/);
    expect(line).not.toContain('not-a-real-token');
    expect(await datasetExists('bad-token')).toBe(false);
  });

  test('exporting a dataset that does not exist (404) names the dataset', async () => {
    const out = path.join(dir, 'missing-export');
    const run = await runScript(
      'scripts/export.ts',
      ['--out', out, '--public', path.join(dir, 'missing-public')],
      sanityEnv(lake.lake, 'no-such-dataset'),
    );
    expect(oneLine(run)).toMatch(/^error: dataset "no-such-dataset" .*not found.*\(404\).*SANITY_DATASET/);
    expect(await readdir(out).catch(() => 'absent')).toBe('absent');
  });

  test.each(['import', 'export'])(
    '%s: an unreachable host names the host and SANITY_API_HOST',
    async (script) => {
      const host = `http://127.0.0.1:${await closedPort()}`;
      const args =
        script === 'import'
          ? importArgs(contentDir)
          : ['--out', path.join(dir, 'unreachable'), '--public', path.join(dir, 'unreachable-public')];
      const run = await runScript(
        `scripts/${script}.ts`,
        args,
        sanityEnv(lake.lake, 'unreachable', { SANITY_API_HOST: host }),
      );
      expect(oneLine(run)).toBe(
        `error: could not reach Sanity at ${host} (ECONNREFUSED); check SANITY_API_HOST, the network, or start the local API with \`npm run lake\``,
      );
    },
    30_000,
  );

  test('an invalid content folder lists every problem and writes nothing', async () => {
    const broken = path.join(dir, 'broken');
    await cp(path.join(ROOT, 'content'), broken, { recursive: true });
    await writeFile(
      path.join(broken, 'stories', 'broken-story.md'),
      '---\ntitle: ""\ndek: "A dek."\npublishedAt: 2025-02-30\nsection: nowhere\nauthors: [nobody]\n---\nBody.\n',
    );
    const run = await runScript('scripts/import.ts', importArgs(broken), sanityEnv(lake.lake, 'invalid'));
    expect(run.code).toBe(1);
    expect(run.stderr).not.toMatch(/^\s+at /m);
    const where = `${path.relative(ROOT, broken)}/stories/broken-story.md`;
    expect(run.stderr.trim().split('\n')).toEqual([
      'error: the content has 4 problem(s); nothing was imported:',
      `  - ${where} → title: expected non-empty text, received ""`,
      `  - ${where} → publishedAt: expected a date like 2025-11-20T14:30:00Z (ISO 8601, with a time zone), received "2025-02-30"`,
      expect.stringMatching(new RegExp(`^  - ${where} → section: unknown section "nowhere"`)),
      expect.stringMatching(new RegExp(`^  - ${where} → authors\\[0\\]: unknown author "nobody"`)),
    ]);
    expect(await datasetExists('invalid')).toBe(false);
  });
});

/** Whether the lake holds `dataset`: a write (document or asset) creates it, a read of a missing one answers 404. */
async function datasetExists(dataset: string): Promise<boolean> {
  const response = await fetch(`${lake.lake.url}/v2025-02-19/data/query/${dataset}?query=count(*)`, {
    headers: { Authorization: `Bearer ${ADMIN_TOKEN}` },
  });
  if (response.status === 404) return false;
  expect(response.status).toBe(200);
  return true;
}

/** The validated stories of a source with tags resolved to slugs and bodies rendered, sorted by id. */
function comparableStories(source: SiteSource) {
  const { vocabulary } = buildTagVocabulary(source.tags);
  return source.stories
    .map(({ story }) => ({
      ...story,
      tags: [...new Set(story.tags.map((t) => vocabulary.resolve(t).slug))],
      body: renderBody(story.body).html,
    }))
    .sort((a, b) => a.id.localeCompare(b.id));
}
