// Drafts and the build: a published build never shows a draft; a preview build (SANITY_PREVIEW=1, with a token)
// shows draft-only stories and a draft's edits over its published story. Asserted on the built files.
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  buildSite,
  findAll,
  hasClass,
  hrefs,
  readPage,
  ROOT,
  runScript,
  sanityEnv,
  startTestLake,
  VIEWER_TOKEN,
  type RunResult,
  type TestLake,
} from './sanity-harness.ts';

const DATASET = 'perspectives';
/** In the demo content as `draft: true`, so imported as `drafts.story-fed-chair-succession-explainer` only. */
const DRAFT_ONLY = 'fed-chair-succession-explainer';
/** A published story that gets an unpublished edit. */
const EDITED = 'ecb-holds-rates-steady';
const DRAFT_TITLE = 'ECB holds rates: an edit not yet published';

let lake: TestLake;
let dir: string;
let published: RunResult;
let preview: RunResult;
let publishedTitle: string;

beforeAll(async () => {
  lake = await startTestLake();
  dir = await mkdtemp(path.join(tmpdir(), 'perspectives-'));
  const imported = await runScript(
    'scripts/import.ts',
    ['--content', path.join(ROOT, 'content'), '--public', path.join(ROOT, 'public')],
    sanityEnv(lake.lake, DATASET),
  );
  expect(imported.code, imported.stderr).toBe(0);
  // An editor's unpublished change to a published story, as the Studio writes it: a drafts. copy.
  const client = lake.client(DATASET);
  const original = await client.getDocument(`story-${EDITED}`);
  expect(original).toBeDefined();
  publishedTitle = String(original?.['title']);
  await client.createOrReplace({ ...original, _id: `drafts.story-${EDITED}`, _type: 'story', title: DRAFT_TITLE });

  // Published reads need no token: the build gets none, as a public site's build would.
  published = await buildSite(path.join(dir, 'published'), sanityEnv(lake.lake, DATASET, { SANITY_TOKEN: '' }));
  // The viewer token may read drafts; preview needs no more.
  preview = await buildSite(
    path.join(dir, 'preview'),
    sanityEnv(lake.lake, DATASET, { SANITY_PREVIEW: '1', SANITY_TOKEN: VIEWER_TOKEN }),
  );
}, 300_000);

afterAll(async () => {
  await lake?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const storyPages = async (build: string) => (await readdir(path.join(dir, build, 'news'))).sort();
const title = async (build: string, slug: string) => {
  const page = await readPage(path.join(dir, build), `news/${slug}/index.html`);
  const [h1] = findAll(page.tree, (el) => el.tagName === 'h1');
  return h1 ? page.html.slice(h1.position?.start.offset, h1.position?.end.offset) : undefined;
};

describe('perspectives', () => {
  test('both builds succeed', () => {
    expect(published.code, published.stderr).toBe(0);
    expect(preview.code, preview.stderr).toBe(0);
  });

  test('the published site has no draft: neither the draft-only story nor the edit', async () => {
    const pages = await storyPages('published');
    expect(pages.length).toBeGreaterThan(50);
    expect(pages).not.toContain(DRAFT_ONLY);
    expect(await title('published', EDITED)).toBe(`<h1>${publishedTitle}</h1>`);
    expect(publishedTitle).not.toBe(DRAFT_TITLE);
    const business = await readPage(path.join(dir, 'published'), 'section/business/index.html');
    expect(hrefs(findAll(business.tree, hasClass('card-title')))).not.toContain(`/news/${DRAFT_ONLY}/`);
  });

  test('the preview site shows the draft-only story and the edit over its published story', async () => {
    expect(await storyPages('preview')).toEqual([...(await storyPages('published')), DRAFT_ONLY].sort());
    expect(await title('preview', DRAFT_ONLY)).toBe('<h1>What the next Fed chair inherits: an explainer</h1>');
    expect(await title('preview', EDITED)).toBe(`<h1>${DRAFT_TITLE}</h1>`);
    const business = await readPage(path.join(dir, 'preview'), 'section/business/index.html');
    expect(hrefs(findAll(business.tree, hasClass('card-title')))).toContain(`/news/${DRAFT_ONLY}/`);
  });

  test('preview without a token stops the build with one message naming SANITY_TOKEN', async () => {
    const run = await buildSite(
      path.join(dir, 'no-token'),
      sanityEnv(lake.lake, DATASET, { SANITY_PREVIEW: '1', SANITY_TOKEN: '' }),
    );
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('environment → SANITY_PREVIEW: preview reads drafts, which needs SANITY_TOKEN');
    expect(run.stderr).not.toMatch(/^\s+at /m);
    expect(await readdir(path.join(dir, 'no-token')).catch(() => [])).not.toContain('index.html');
  }, 120_000);
});
