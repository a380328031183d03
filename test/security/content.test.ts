// Untrusted content never runs code or crashes the build: hostile story files and Sanity documents through the real
// build and import processes, then a seeded fuzz of the pure pipeline (front matter, Portable Text, rendering).
import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Element, Root, RootContent } from 'hast';
import { rehype } from 'rehype';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { renderBody } from '../../src/lib/body/body.ts';
import { readStoryFile } from '../../src/lib/sources/content-files.ts';
import { MAX_LIST_LEVEL } from '../../src/lib/body/portable-text.ts';
import type { SanityDocument } from '../../src/lib/sources/sanity/documents.ts';
import { siteSourceFromDocuments, type SanityAsset } from '../../src/lib/sources/sanity/site-source.ts';
import { buildSite as buildSiteModel, validateSite } from '../../src/lib/site/site.ts';
import { MAX_BODY_BYTES, type Story } from '../../src/lib/model/story.ts';
import { isImageUrl, srcsetUrls } from '../../src/lib/site/urls.ts';
import {
  buildSite,
  childEnv,
  ROOT,
  runScript,
  sanityEnv,
  startTestLake,
  type TestLake,
} from '../sanity/sanity-harness.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'security-content-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Front matter that, if gray-matter's JavaScript engine ever ran it, would create `marker`. */
const jsFrontMatter = (open: string, marker: string) =>
  `${open}\n{ title: (require('node:fs').writeFileSync(${JSON.stringify(marker)}, 'ran'), 'Pwned'), dek: 'd', publishedAt: '2025-01-01', section: 'world', authors: ['jane-park'] }\n---\nBody.\n`;

/** A valid story file with `fields` replacing or adding front matter lines, and `body` below. */
const storyFile = (fields: Record<string, string>, body = 'A body.') => {
  const all = {
    title: '"A title"',
    dek: '"A dek."',
    publishedAt: '2025-11-19T21:10:00Z',
    section: 'world',
    authors: '[jane-park]',
    ...fields,
  };
  return `---\n${Object.entries(all)
    .map(([k, v]) => `${k}: ${v}`)
    .join('\n')}\n---\n\n${body}\n`;
};

/** What no page may ever carry: a stack frame. */
const STACK_FRAME = /^\s+at .+:\d+:\d+\)?$/m;

describe('npm run build on hostile story files', () => {
  test('refuses ---js front matter without running it, and reports every hostile file as a content problem', async () => {
    const content = path.join(dir, 'build-content');
    await cp(path.join(ROOT, 'content'), content, { recursive: true });
    const markers = ['js', 'javascript', 'bom', 'spaced'].map((name) => path.join(dir, `ran-${name}`));
    const stories = path.join(content, 'stories');
    await writeFile(path.join(stories, 'evil-js.md'), jsFrontMatter('---js', markers[0] ?? ''));
    await writeFile(path.join(stories, 'evil-javascript.md'), jsFrontMatter('---javascript', markers[1] ?? ''));
    await writeFile(path.join(stories, 'evil-bom.md'), `\uFEFF${jsFrontMatter('---js', markers[2] ?? '')}`);
    await writeFile(path.join(stories, 'evil-spaced.md'), jsFrontMatter('---  JS  ', markers[3] ?? ''));
    await writeFile(path.join(stories, 'evil-tag.md'), storyFile({ tags: '["!!!"]' }));
    await writeFile(
      path.join(stories, 'evil-image.md'),
      storyFile({ image: '{ src: "javascript:alert(1)", alt: "x", srcset: "data:image/png;base64,AAAA 1x" }' }),
    );
    await writeFile(path.join(stories, 'evil-proto.md'), storyFile({ ['__proto__']: '{ polluted: true }' }));
    await writeFile(path.join(stories, 'evil-quotes.md'), storyFile({}, `${'>'.repeat(20_000)} deep`));
    // Nested links in one paragraph: the parser's time grows with the square of their number (these 50 kB took
    // 27 s to render before the limit).
    await writeFile(
      path.join(stories, 'evil-brackets.md'),
      storyFile({}, `${'['.repeat(10_000)}a${'](b)'.repeat(10_000)}`),
    );
    const huge = storyFile({}, 'All work and no play. '.repeat(60_000));
    await writeFile(path.join(stories, 'evil-huge.md'), huge);

    const outDir = path.join(dir, 'build-out');
    const started = performance.now();
    const result = await buildSite(outDir, childEnv({ CONTENT_DIR: content }));
    const seconds = (performance.now() - started) / 1000;

    for (const marker of markers)
      expect(existsSync(marker), `${marker} was written: front matter ran as code`).toBe(false);
    expect(result.code).toBe(1);
    expect(existsSync(outDir)).toBe(false);
    const shown = path.relative(ROOT, stories).split(path.sep).join('/');
    for (const file of ['evil-js.md', 'evil-javascript.md', 'evil-bom.md', 'evil-spaced.md']) {
      expect(result.stderr).toContain(`${shown}/${file}: front matter must be YAML`);
    }
    expect(result.stderr).toContain(
      `${shown}/evil-tag.md → tags[0]: expected a tag name with at least one letter or digit, received "!!!"`,
    );
    expect(result.stderr).toContain(`${shown}/evil-image.md → image.src: expected the image URL to be a site path`);
    expect(result.stderr).toContain(
      `${shown}/evil-image.md → image.srcset: expected every srcset URL to be a site path`,
    );
    expect(result.stderr).toContain(`${shown}/evil-proto.md: unknown field "__proto__"`);
    expect(result.stderr).toContain(`${shown}/evil-quotes.md → body: line 1 nests quotes or lists`);
    expect(result.stderr).toContain(
      `${shown}/evil-brackets.md → body: the paragraph at line 1 holds more than 2000 link, emphasis, code or HTML markers`,
    );
    const size = Buffer.byteLength(huge).toLocaleString('en-US');
    expect(result.stderr).toContain(
      `${shown}/evil-huge.md: the file is ${size} bytes (1.3 MB), over the limit of 1,114,112 bytes (1.1 MB)`,
    );
    expect(result.stderr).not.toMatch(STACK_FRAME);
    // Everything was refused before rendering: the time is Astro's start-up, not the hostile files.
    expect(seconds).toBeLessThan(60);
  });
});

/** How many documents `filter` matches in `dataset`; a dataset nothing was ever written to holds none. */
async function documentCount(lake: TestLake, dataset: string, filter: string): Promise<number> {
  try {
    return await lake.client(dataset).fetch<number>(`count(${filter})`);
  } catch (error) {
    if (error instanceof Error && error.message.includes(`Dataset "${dataset}" not found`)) return 0;
    throw error;
  }
}

describe('npm run import on hostile story files', () => {
  let lake: TestLake;
  beforeAll(async () => {
    lake = await startTestLake();
  });
  afterAll(async () => {
    await lake?.close();
  });

  test('refuses ---js front matter without running it, and writes nothing', async () => {
    const content = path.join(dir, 'import-content');
    await cp(path.join(ROOT, 'content'), content, { recursive: true });
    const marker = path.join(dir, 'ran-import');
    await writeFile(path.join(content, 'stories', 'evil-js.md'), jsFrontMatter('---js', marker));
    const result = await runScript(
      'scripts/import.ts',
      ['--content', content, '--dataset', 'jsfm'],
      sanityEnv(lake.lake, 'jsfm'),
    );
    expect(existsSync(marker)).toBe(false);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('stories/evil-js.md: front matter must be YAML');
    expect(result.stderr).not.toMatch(STACK_FRAME);
    expect(await documentCount(lake, 'jsfm', '*')).toBe(0);
  });

  test('never reads an image from outside public/ named by a story body', async () => {
    const content = path.join(dir, 'import-traversal');
    await cp(path.join(ROOT, 'content'), content, { recursive: true });
    const secret = path.join(dir, 'secret.png');
    await writeFile(secret, 'not for upload');
    const up = path.relative(path.join(ROOT, 'public'), secret).split(path.sep).join('/');
    await writeFile(path.join(content, 'stories', 'traversal.md'), storyFile({}, `![x](/${up})`));
    const result = await runScript(
      'scripts/import.ts',
      ['--content', content, '--dataset', 'traversal'],
      sanityEnv(lake.lake, 'traversal'),
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('an image path must name a file under public/');
    expect(await documentCount(lake, 'traversal', '*[_type == "sanity.imageAsset"]')).toBe(0);
  });

  test('npm run export never writes outside its folders, whatever file name an uploader gave an image', async () => {
    const client = lake.client('exported');
    const image = await readFile(
      path.join(
        ROOT,
        'public/images',
        (await readdir(path.join(ROOT, 'public/images'))).filter((f) => f.endsWith('.svg')).sort()[0] ?? '',
      ),
    );
    await client.assets.upload('image', image, { filename: '../../escaped.svg' });
    const out = path.join(dir, 'export-out');
    const publicDir = path.join(dir, 'export-public');
    const result = await runScript(
      'scripts/export.ts',
      ['--out', out, '--public', publicDir, '--dataset', 'exported'],
      sanityEnv(lake.lake, 'exported'),
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('its file name "../../escaped.svg" leads out of');
    expect(existsSync(path.join(dir, 'escaped.svg'))).toBe(false);
    expect(result.stderr).not.toMatch(STACK_FRAME);
  });

  test('npm run export downloads an image only from where the dataset serves its assets, not from a URL a writer set', async () => {
    // A server the export must never call (it stands for an internal host, e.g. a cloud metadata endpoint).
    let calls = 0;
    const elsewhere = createServer((_req, res) => {
      calls += 1;
      res.end('secret');
    });
    await new Promise<void>((resolve) => elsewhere.listen(0, '127.0.0.2', resolve));
    try {
      const { port } = elsewhere.address() as AddressInfo;
      const client = lake.client('ssrf');
      await client.createOrReplace({
        _id: 'image-ssrf-1x1-png',
        _type: 'sanity.imageAsset',
        url: `http://127.0.0.2:${port}/latest/meta-data`,
        originalFilename: 'ssrf.png',
        extension: 'png',
      });
      const out = path.join(dir, 'ssrf-out');
      const publicDir = path.join(dir, 'ssrf-public');
      const result = await runScript(
        'scripts/export.ts',
        ['--out', out, '--public', publicDir, '--dataset', 'ssrf'],
        sanityEnv(lake.lake, 'ssrf'),
      );
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(
        `asset image-ssrf-1x1-png: its url "http://127.0.0.2:${port}/latest/meta-data" is not on https://cdn.sanity.io or ${lake.lake.url}`,
      );
      expect(calls).toBe(0);
      expect(existsSync(path.join(publicDir, 'images', 'ssrf.png'))).toBe(false);
      expect(result.stderr).not.toMatch(STACK_FRAME);
    } finally {
      elsewhere.close();
    }
  });

  test('a build from Sanity reports a null body block, a malformed span and an oversized body by _id and field', async () => {
    const client = lake.client('hostile');
    const ref = (id: string) => ({ _type: 'reference', _ref: id, _key: id });
    const story = (id: string, body: unknown) => ({
      _id: id,
      _type: 'story',
      title: `Story ${id}`,
      slug: { _type: 'slug', current: id },
      dek: 'A dek.',
      publishedAt: '2025-11-19T21:10:00Z',
      section: { _type: 'reference', _ref: 'section-world' },
      authors: [ref('author-jane-park')],
      body,
    });
    const span = (text: unknown) => ({ _type: 'span', _key: 's', text, marks: [] });
    const block = (children: unknown) => ({ _type: 'block', _key: 'b', style: 'normal', markDefs: [], children });
    const transaction = client.transaction();
    const docs: ({ _id: string; _type: string } & Record<string, unknown>)[] = [
      { _id: 'section-world', _type: 'section', name: 'World', slug: { _type: 'slug', current: 'world' }, order: 0 },
      { _id: 'author-jane-park', _type: 'author', name: 'Jane Park', slug: { _type: 'slug', current: 'jane-park' } },
      story('story-null-block', [block([span('Fine.')]), null]),
      story('story-bad-span', [block([span(42)])]),
      story('story-deep-list', [{ ...block([span('x')]), listItem: 'bullet', level: 5000 }]),
      story(
        'story-huge',
        Array.from({ length: 11 }, (_, i) => ({ ...block([span('x'.repeat(100_000))]), _key: `b${i}` })),
      ),
    ];
    for (const doc of docs) transaction.createOrReplace(doc);
    await transaction.commit();
    const result = await buildSite(path.join(dir, 'sanity-out'), sanityEnv(lake.lake, 'hostile'));
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      'story-null-block → body[1]: expected a block (an object with a _type), received null',
    );
    expect(result.stderr).toContain('story-bad-span → body[0].children[0].text: expected text, received 42');
    expect(result.stderr).toContain(
      `story-deep-list → body[0].level: expected a list level from 1 to ${MAX_LIST_LEVEL}, received 5000`,
    );
    expect(result.stderr).toMatch(
      /story-huge → body: the body is 1,1\d\d,\d{3} bytes \(1\.1 MB\), over the limit of 1,048,576 bytes \(1 MB\)/,
    );
    expect(result.stderr).not.toMatch(STACK_FRAME);
  });
});

// The fuzz: deterministic (mulberry32, fixed seeds), a few hundred cases, each bounded in time.

/** mulberry32: a small seeded generator, so a failure replays exactly. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The most one case (parse, validate and render one story) may take. */
const CASE_BUDGET_MS = 2_000;

const HOSTILE_URLS = [
  'javascript:alert(1)',
  ' JaVaScRiPt:alert(1)',
  'java\tscript:alert(1)',
  'data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==',
  'data:image/svg+xml,<svg onload=alert(1)>',
  'vbscript:msgbox(1)',
  '//evil.example.com/x.png',
  '/\\evil.example.com/x.png',
  'http://evil.example.com/x.png',
  '/images/../../../etc/passwd',
  '/images/ok.svg',
  'https://images.example.com/ok.jpg',
  '" onerror="alert(1)',
  '',
];

/** Hostile YAML values, as YAML text. */
const YAML_VALUES = [
  'null',
  '~',
  '42',
  '-1e999',
  'true',
  '[]',
  '{}',
  '"!!!"',
  '""',
  '[null, 1, "!!!", ""]',
  `"${'x'.repeat(100_000)}"`,
  `${'['.repeat(150)}1${']'.repeat(150)}`,
  '{ __proto__: { polluted: true } }',
  '{ constructor: { prototype: { polluted: true } } }',
  '!!js/function "function () { return 1 }"',
  '!!binary aGVsbG8=',
  '!!timestamp 2025-13-45',
  '2025-02-30',
  '"<script>alert(1)</script>"',
  ...HOSTILE_URLS.map((u) => JSON.stringify(u)),
];

const FIELDS = [
  'title',
  'slug',
  'dek',
  'publishedAt',
  'updatedAt',
  'section',
  'tags',
  'authors',
  'source',
  'image',
  'seo',
  'related',
  'draft',
  'body',
  '__proto__',
  'constructor',
  '<<',
];
const OPENERS = [
  '---',
  '---js',
  '---javascript',
  '--- js',
  '---JSON',
  '---json',
  '---coffee',
  '---toml',
  '---yaml',
  '---YML',
  '---__proto__',
  '---constructor',
  '---toString',
  '----',
  '\uFEFF---js',
  '\uFEFF---',
];

/** A hostile story file: a random opener, valid fields mixed with hostile ones, and a hostile body. */
function hostileFile(rand: () => number, marker: string): string {
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rand() * list.length)] as T;
  const opener = pick(OPENERS);
  if (/js|javascript|coffee/i.test(opener)) return jsFrontMatter(opener, marker);
  const lines = [
    'title: "A title"',
    'dek: "A dek."',
    'publishedAt: 2025-11-19T21:10:00Z',
    'section: world',
    'authors: [jane-park]',
  ];
  for (let i = Math.floor(rand() * 4); i > 0; i -= 1) {
    const field = pick(FIELDS);
    const value =
      rand() < 0.3
        ? `{ src: ${JSON.stringify(pick(HOSTILE_URLS))}, alt: "x", srcset: ${JSON.stringify(`${pick(HOSTILE_URLS)} 1x`)} }`
        : pick(YAML_VALUES);
    lines.push(`${field}: ${value}`);
  }
  if (rand() < 0.1)
    lines.push(
      'a: &a [x, x, x, x, x, x, x, x]',
      'b: &b [*a, *a, *a, *a, *a, *a, *a, *a]',
      'tags: &c [*b, *b, *b, *b, *b, *b, *b, *b]',
    );
  const body = pick([
    'Plain text.',
    '<script>alert(1)</script><img src=x onerror=alert(1)>',
    `[x](${pick(HOSTILE_URLS)}) ![y](${pick(HOSTILE_URLS)})`,
    `<a href="${pick(HOSTILE_URLS)}">x</a><img srcset="${pick(HOSTILE_URLS)} 1x">`,
    `${'> '.repeat(30)}deep`,
    Array.from({ length: 30 }, (_, i) => `${'  '.repeat(i)}- item`).join('\n'),
    `${'<div>'.repeat(80)}x`,
    `${'['.repeat(3000)}a${'](b)'.repeat(3000)}`,
    '---\nsecond: block\n---',
  ]);
  return `${opener}\n${lines.join('\n')}\n---\n\n${body}\n`;
}

/** A hostile Portable Text member. */
function hostileBlock(rand: () => number, depth = 0): unknown {
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rand() * list.length)] as T;
  const any = (): unknown =>
    pick([
      null,
      undefined,
      0,
      -1,
      1e308,
      Number.NaN,
      '',
      'x',
      [],
      {},
      true,
      depth < 3 ? hostileBlock(rand, depth + 1) : null,
    ]);
  const href = () => (rand() < 0.7 ? pick(HOSTILE_URLS) : any());
  const span = () =>
    rand() < 0.2
      ? any()
      : {
          _type: rand() < 0.9 ? 'span' : any(),
          _key: rand() < 0.9 ? `s${Math.floor(rand() * 5)}` : any(),
          text:
            rand() < 0.8
              ? pick(['text ', '\n', '<script>alert(1)</script>', 'https://example.com', 'x'.repeat(5000), ''])
              : any(),
          marks:
            rand() < 0.8
              ? Array.from({ length: Math.floor(rand() * 4) }, () =>
                  pick(['strong', 'em', 'code', 'm1', 'm2', '__proto__', 'constructor', 'toString', 'missing']),
                )
              : rand() < 0.5
                ? Array.from({ length: 40 }, (_, i) => `m${i}`)
                : any(),
        };
  switch (Math.floor(rand() * 5)) {
    case 0:
      return any();
    case 1:
      return {
        _type: 'block',
        _key: 'b',
        style: rand() < 0.8 ? pick(['normal', 'h1', 'h2', 'blockquote', '<h1 onclick=alert(1)>', '__proto__']) : any(),
        listItem: rand() < 0.5 ? pick(['bullet', 'number', 'check']) : undefined,
        level: rand() < 0.5 ? pick([1, 2, 3, 0, -1, 2.5, MAX_LIST_LEVEL, MAX_LIST_LEVEL + 1, 1e9, 'two']) : undefined,
        markDefs:
          rand() < 0.8
            ? [
                { _type: 'link', _key: 'm1', href: href() },
                rand() < 0.5 ? { _type: 'link', _key: '__proto__', href: href() } : any(),
              ]
            : any(),
        children: rand() < 0.85 ? Array.from({ length: 1 + Math.floor(rand() * 4) }, span) : any(),
      };
    case 2:
      return {
        _type: 'image',
        _key: 'i',
        asset: rand() < 0.3 ? { _ref: pick(['image-abc123-1200x675-png', 'image-abc', '__proto__']) } : undefined,
        src: rand() < 0.8 ? pick(HOSTILE_URLS) : any(),
        alt: rand() < 0.8 ? '" onerror="alert(1)' : any(),
        caption: rand() < 0.5 ? '<script>x</script>' : any(),
      };
    case 3:
      return {
        _type: 'table',
        _key: 't',
        rows: rand() < 0.7 ? [{ cells: ['<b>a</b>', any()] }, any(), { cells: ['[x](javascript:alert(1))'] }] : any(),
      };
    default:
      return { _type: pick(['html', 'code', 'embed', '__proto__', '']), html: '<script>alert(1)</script>' };
  }
}

/** What an attacker would need in rendered HTML: script-capable elements, event handlers, script or data URLs. */
function activeContent(html: string): string[] {
  const found: string[] = [];
  const walk = (node: Root | RootContent): void => {
    if ('children' in node) node.children.forEach(walk);
    if (node.type !== 'element') return;
    const element: Element = node;
    const checkbox =
      element.tagName === 'input' &&
      element.properties['type'] === 'checkbox' &&
      element.properties['disabled'] === true;
    if (
      /^(script|style|iframe|object|embed|form|input|link|meta|base|svg|math|frame|frameset)$/.test(element.tagName) &&
      !checkbox
    )
      found.push(`<${element.tagName}>`);
    for (const [name, value] of Object.entries(element.properties)) {
      if (/^on/i.test(name)) found.push(`${element.tagName}[${name}]`);
      if (name === 'srcSet') found.push(`${element.tagName}[srcset]`);
      if (
        (name === 'href' || name === 'src') &&
        typeof value === 'string' &&
        !/^(https?:|mailto:|\/|#|[^:]*$)/i.test(value)
      )
        found.push(`${element.tagName}[${name}=${value}]`);
    }
  };
  walk(rehype().parse(html));
  return found;
}

/** A story that passed validation: its image is safe and its body renders to safe HTML. */
function expectSafeStory(story: Story, label: string): void {
  if (story.image) {
    expect(isImageUrl(story.image.src), `${label}: image.src ${story.image.src}`).toBe(true);
    if (story.image.srcset !== undefined)
      expect(srcsetUrls(story.image.srcset)?.every(isImageUrl), `${label}: srcset ${story.image.srcset}`).toBe(true);
  }
  for (const tag of story.tags) expect(tag.replace(/[^a-z0-9]/gi, ''), `${label}: tag ${tag}`).not.toBe('');
  const { html } = renderBody(story.body);
  expect(activeContent(html), label).toEqual([]);
}

const ASSET: SanityAsset = {
  _id: 'image-abc123-1200x675-png',
  url: 'http://127.0.0.1:3333/images/local/production/abc123-1200x675.png',
  width: 1200,
  height: 675,
};
// An asset id Sanity's image URL builder cannot read: it throws on it.
const MALFORMED_ASSET: SanityAsset = { _id: 'image-abc', url: 'http://127.0.0.1:3333/images/local/production/abc.png' };

describe('fuzz: hostile front matter and Portable Text give content problems or safe pages', () => {
  test('300 hostile story files: issues naming the file, or a safe story; never code, a throw or a hang', async () => {
    const rand = random(20261127);
    const folder = path.join(dir, 'fuzz-files');
    await mkdir(folder, { recursive: true });
    const marker = path.join(dir, 'ran-fuzz');
    let refused = 0;
    for (let i = 0; i < 300; i += 1) {
      const file = path.join(folder, `case-${i}.md`);
      const text = hostileFile(rand, marker);
      await writeFile(file, text);
      const label = `case ${i}: ${JSON.stringify(text.slice(0, 120))}`;
      const started = performance.now();
      const result = await readStoryFile(file, `fuzz/case-${i}.md`);
      if (result.story) expectSafeStory(result.story, label);
      else {
        refused += 1;
        expect(result.issues.length, label).toBeGreaterThan(0);
        for (const issue of result.issues) {
          expect(issue.where, label).toBe(`fuzz/case-${i}.md`);
          expect(typeof issue.field, label).toBe('string');
          expect(issue.message, label).not.toMatch(STACK_FRAME);
        }
      }
      expect(performance.now() - started, label).toBeLessThan(CASE_BUDGET_MS);
      expect(({} as Record<string, unknown>)['polluted'], label).toBeUndefined();
    }
    expect(existsSync(marker)).toBe(false);
    // The generator is hostile enough to be refused most of the time, yet some stories get through to rendering.
    expect(refused).toBeGreaterThan(150);
    expect(refused).toBeLessThan(300);
  });

  test('300 hostile Sanity stories: issues naming the _id, or a safe page; the site model builds from what is valid', () => {
    const rand = random(9);
    const documents: SanityDocument[] = [
      { _id: 'section-world', _type: 'section', name: 'World', slug: { _type: 'slug', current: 'world' } },
      { _id: 'author-jane-park', _type: 'author', name: 'Jane Park', slug: { _type: 'slug', current: 'jane-park' } },
      { _id: 'tag-bang', _type: 'tag', name: '!!!' },
      { _id: 'tag-ok', _type: 'tag', name: 'Ok', aliases: ['!!!', null] },
    ];
    for (let i = 0; i < 300; i += 1) {
      const pick = <T>(list: readonly T[]): T => list[Math.floor(rand() * list.length)] as T;
      documents.push({
        _id: `story-${i}`,
        _type: 'story',
        title: rand() < 0.9 ? `Story ${i}` : pick([null, 5, '', 'x'.repeat(500), ['a']]),
        slug: { _type: 'slug', current: `story-${i}` },
        dek: 'A dek.',
        publishedAt: '2025-11-19T21:10:00Z',
        section: { _type: 'reference', _ref: 'section-world' },
        authors: [{ _type: 'reference', _ref: 'author-jane-park', _key: 'a' }],
        tags: rand() < 0.2 ? [pick([null, 5, { _ref: 'tag-bang' }, { _ref: 'tag-ok' }, { _ref: '__proto__' }])] : [],
        mainImage:
          rand() < 0.2
            ? {
                _type: 'image',
                asset: { _ref: pick([ASSET._id, MALFORMED_ASSET._id, '__proto__', 'missing']) },
                alt: pick(['Alt.', null, 5]),
                hotspot: pick([undefined, null, 'x', { x: 'a', y: Number.NaN }]),
                crop: pick([undefined, { top: -5, left: 'x' }]),
              }
            : pick([undefined, null, 'x']),
        body:
          rand() < 0.9
            ? Array.from({ length: 1 + Math.floor(rand() * 6) }, () => hostileBlock(rand))
            : pick([null, 'text', 5, { _type: 'block' }]),
      });
    }
    const started = performance.now();
    const source = siteSourceFromDocuments(
      { documents, assets: [ASSET, MALFORMED_ASSET] },
      { projectId: 'local', dataset: 'fuzz', apiHost: 'http://127.0.0.1:3333' },
    );
    const issues = validateSite(source);
    for (const issue of issues) {
      expect(issue.where).toMatch(/^(story-\d+|tag-\w+|section-world|author-jane-park)$/);
      expect(typeof issue.field).toBe('string');
    }
    const rejected = new Set(source.rejected.map((r) => r.where));
    expect(rejected.size).toBeGreaterThan(50);
    expect(source.stories.length).toBeGreaterThan(10);
    for (const { story, where } of source.stories) expectSafeStory(story, where);
    // The valid stories alone make a site: rendering and Similar News on hostile-but-valid content do not throw.
    const valid = {
      ...source,
      issues: [],
      rejected: [],
      tags: source.tags.filter((t) => !issues.some((i) => i.where === t.where)),
    };
    const site = buildSiteModel(valid, {
      now: new Date('2026-01-01T00:00:00Z'),
      render: (story) => renderBody(story.body),
    });
    expect(site.stories.length).toBe(source.stories.length);
    for (const view of site.stories) expect(activeContent(view.html), view.id).toEqual([]);
    expect(performance.now() - started).toBeLessThan(300 * CASE_BUDGET_MS);
  });

  test('a body over the size limit is refused before it is parsed', async () => {
    const file = path.join(dir, 'big-body.md');
    await writeFile(file, storyFile({}, 'x'.repeat(MAX_BODY_BYTES + 10)));
    const started = performance.now();
    const result = await readStoryFile(file, 'big-body.md');
    expect(result.issues).toEqual([
      {
        where: 'big-body.md',
        field: 'body',
        message: 'the body is 1,048,587 bytes (1 MB), over the limit of 1,048,576 bytes (1 MB)',
        hint: expect.any(String),
      },
    ]);
    expect(performance.now() - started).toBeLessThan(CASE_BUDGET_MS);
  });
});
