import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { ContentError } from '../src/lib/model/content-error.ts';
import { buildTime, cacheDir, loadSite } from '../src/lib/site/load-site.ts';
import { readStoryFile } from '../src/lib/sources/content-files.ts';
import { documentPath } from '../src/lib/site/document-paths.ts';

// loadSite end to end over a small content folder written here, and the two environment settings it reads.

describe('buildTime', () => {
  test('unset or empty: the current time', () => {
    for (const value of [undefined, '']) {
      const before = Date.now();
      const time = buildTime(value === undefined ? {} : { NEWS_BUILD_TIME: value }).getTime();
      expect(time).toBeGreaterThanOrEqual(before);
      expect(time).toBeLessThanOrEqual(Date.now());
    }
  });

  test('an ISO 8601 date and time is that moment', () => {
    expect(buildTime({ NEWS_BUILD_TIME: '2026-11-27T16:00:00Z' }).getTime()).toBe(Date.UTC(2026, 10, 27, 16));
  });

  // An expanded year (+002026-…) is a date to JavaScript, but not the form asked for.
  test.each(['2026-11-27', 'tomorrow 2026-11-27T16:00:00Z', '2026-13-45T99:00:00Z', '+002026-11-27T16:00:00Z'])(
    '%s is refused',
    (value) => {
      let error: unknown;
      try {
        buildTime({ NEWS_BUILD_TIME: value });
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(ContentError);
      expect((error as ContentError).issues).toEqual([
        {
          where: 'NEWS_BUILD_TIME',
          field: '',
          message: `expected a date and time in ISO 8601 (e.g. 2026-11-27T16:00:00Z), received ${JSON.stringify(value)}`,
        },
      ]);
    },
  );
});

describe('cacheDir', () => {
  test('NEWS_CACHE_DIR, else node_modules/.cache/newsdesk, as an absolute path', () => {
    expect(cacheDir({ NEWS_CACHE_DIR: 'some/where' })).toBe(path.join(process.cwd(), 'some/where'));
    expect(cacheDir({})).toBe(path.join(process.cwd(), 'node_modules/.cache/newsdesk'));
  });
});

describe('documentPath', () => {
  test.each([
    [{ _type: 'story', slug: { current: 'a-b' } }, '/news/a-b/'],
    [{ _type: 'section', slug: { current: 'world' } }, '/section/world/'],
    [{ _type: 'author', slug: { current: 'jane' } }, '/authors/jane/'],
    [{ _type: 'tag', slug: { current: 'own' }, name: 'Other Name' }, '/tags/own/'],
    // A tag without a slug is filed under its name folded.
    [{ _type: 'tag', name: 'Climate Change' }, '/tags/climate-change/'],
    [{ _type: 'tag', slug: { current: '' }, name: 'Élan' }, '/tags/elan/'],
    [{ _type: 'tag', name: '!!!' }, undefined],
    [{ _type: 'tag', name: 42 }, undefined],
    [{ _type: 'story' }, undefined],
    [{ _type: 'story', slug: { current: '' } }, undefined],
    [{ _type: 'section', slug: { current: 7 } }, undefined],
    [{ _type: 'author', slug: undefined }, undefined],
    [{ _type: 'comment', slug: { current: 'x' } }, undefined],
    [{ slug: { current: 'x' } }, undefined],
  ])('%j -> %s', (doc, expected) => {
    expect(documentPath(doc)).toBe(expected);
  });
});

describe('loadSite', () => {
  let dir: string;
  const story = (slug: string, publishedAt: string, body: string, extra = '') =>
    writeFileSync(
      path.join(dir, 'content/stories', `${slug}.md`),
      `---\ntitle: "Story ${slug}"\ndek: "Dek ${slug}"\npublishedAt: ${publishedAt}\nsection: world\n` +
        `authors: [jane]\n${extra}---\n\n${body}\n`,
    );

  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'load-site-'));
    mkdirSync(path.join(dir, 'content/stories'), { recursive: true });
    writeFileSync(path.join(dir, 'content/sections.yaml'), '- slug: world\n  name: World\n');
    writeFileSync(path.join(dir, 'content/authors.yaml'), '- slug: jane\n  name: Jane\n');
    writeFileSync(path.join(dir, 'content/tags.yaml'), '[]\n');
    story('old', '2026-01-01T00:00:00Z', 'Old *text*.');
    story('new', '2026-02-01T00:00:00Z', 'New text.');
    story('later', '2026-04-01T00:00:00Z', 'Later text.');
    story('soon', '2026-03-01T00:00:00Z', 'Soon text.');
    story('hidden', '2026-02-15T00:00:00Z', 'Draft text.', 'draft: true\n');
    vi.stubEnv('SANITY_PROJECT_ID', '');
    vi.stubEnv('CONTENT_DIR', path.join(dir, 'content'));
    vi.stubEnv('NEWS_CACHE_DIR', path.join(dir, 'cache'));
    vi.stubEnv('NEWS_RENDER_CACHE', '1');
    vi.stubEnv('NEWS_TIME_ZONE', 'UTC');
  });
  afterEach(() => {
    vi.unstubAllEnvs();
    rmSync(dir, { recursive: true, force: true });
  });

  const now = new Date('2026-02-20T00:00:00Z');

  test('published stories as of now, the next scheduled one, bodies rendered once and then read from the cache', async () => {
    const lines: string[] = [];
    const site = await loadSite({ now, log: (line) => lines.push(line) });
    expect(site.stories.map((s) => s.slug)).toEqual(['new', 'old']);
    expect(site.stories.find((s) => s.slug === 'old')?.html).toContain('<em>text</em>');
    // The earliest of the two scheduled stories; the draft is not scheduled.
    expect(site.nextChange).toBe('2026-03-01T00:00:00.000Z');
    expect(site.now).toBe(now.toISOString());
    // Only the bodies of the stories shown are rendered.
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^\[site\] 2 stories: .*\(0 cached, 2 new\)/);
    expect(readdirSync(path.join(dir, 'cache/render')).length).toBeGreaterThan(0);

    lines.length = 0;
    await loadSite({ now, log: (line) => lines.push(line) });
    expect(lines[0]).toMatch(/\(2 cached, 0 new\)/);
  });

  test('no later story: no next change; no log function: no log', async () => {
    const site = await loadSite({ now: new Date('2027-01-01T00:00:00Z') });
    expect(site.stories).toHaveLength(4);
    expect(site).not.toHaveProperty('nextChange');
  });

  test('NEWS_RENDER_CACHE=0 writes no cache', async () => {
    vi.stubEnv('NEWS_RENDER_CACHE', '0');
    const lines: string[] = [];
    await loadSite({ now, log: (line) => lines.push(line) });
    expect(lines[0]).toMatch(/\(0 cached, 2 new\)/);
    await loadSite({ now, log: (line) => lines.push(line) });
    expect(lines[1]).toMatch(/\(0 cached, 2 new\)/);
    expect(readdirSync(dir)).not.toContain('cache');
  });

  test('NEWS_BUILD_TIME is the time when none is given', async () => {
    vi.stubEnv('NEWS_BUILD_TIME', '2026-03-15T00:00:00Z');
    const site = await loadSite();
    expect(site.stories.map((s) => s.slug)).toEqual(['soon', 'new', 'old']);
    expect(site.nextChange).toBe('2026-04-01T00:00:00.000Z');
  });

  test('invalid content throws a ContentError naming the problem', async () => {
    story('bad', '2026-01-01T00:00:00Z', 'Text.', 'tags: 3\n');
    await expect(loadSite({ now })).rejects.toThrow(ContentError);
    await expect(loadSite({ now })).rejects.toThrow(/bad\.md/);
  });

  test('parallel work: its story reader is used, its rendered bodies adopted, a failed one rendered here', async () => {
    const read: string[] = [];
    const asked: { count: number; dir: string | undefined }[] = [];
    const lines: string[] = [];
    const site = await loadSite({
      now,
      log: (line) => lines.push(line),
      parallel: {
        readStories: async (files) => {
          read.push(...files.map((f) => f.where));
          return Promise.all(files.map(({ file, where }) => readStoryFile(file, where)));
        },
        renderBodies: async (bodies, cache) => {
          asked.push({ count: bodies.length, dir: cache });
          // Old's body fails in the worker; New's was found in the cache there; the rest were rendered there.
          return bodies.map((body) => {
            const value = body.format === 'markdown' ? body.value.trim() : '';
            if (value === 'Old *text*.') return undefined;
            return { body: { html: `<p>worker: ${value}</p>`, text: value }, fresh: value !== 'New text.' };
          });
        },
      },
    });
    expect(read).toHaveLength(5);
    expect(asked).toEqual([{ count: 5, dir: path.join(dir, 'cache/render') }]);
    expect(site.stories.map((s) => [s.slug, s.html])).toEqual([
      ['new', '<p>worker: New text.</p>'],
      ['old', expect.stringContaining('<em>text</em>')],
    ]);
    // One found by the worker; three rendered by it and Old's here are new.
    expect(lines[0]).toMatch(/\(1 cached, 4 new\)/);
  });

  test('the log line: each time in seconds, none negative, none longer than the whole call', async () => {
    const lines: string[] = [];
    const before = performance.now();
    await loadSite({
      now,
      log: (line) => lines.push(line),
      parallel: {
        readStories: (files) => Promise.all(files.map(({ file, where }) => readStoryFile(file, where))),
        // The parallel part takes at least 50 ms, which the render time includes.
        renderBodies: async (bodies) => {
          await new Promise((resolve) => setTimeout(resolve, 50));
          return bodies.map(() => undefined);
        },
      },
    });
    const elapsed = (performance.now() - before) / 1000;
    const match =
      /^\[site\] 2 stories: loaded in (\d+\.\d\d) s, bodies rendered in (\d+\.\d\d) s \(0 cached, 2 new\), Similar News in (\d+\.\d\d) s, total (\d+\.\d\d) s$/.exec(
        lines[0] ?? '',
      );
    expect(match, lines[0]).not.toBeNull();
    const [loaded, rendered, similar, total] = (match ?? []).slice(1).map(Number) as [number, number, number, number];
    for (const part of [loaded, rendered, similar]) expect(part).toBeLessThanOrEqual(total);
    expect(rendered).toBeGreaterThanOrEqual(0.05);
    expect(total).toBeLessThanOrEqual(elapsed + 0.01);
  });

  test('the next change is the earlier of a scheduled story and a share card leaving its window', async () => {
    // With the newest one story always carded and a 50-day window, Old (1 Jan) leaves it 50 days later: 20 Feb.
    vi.stubEnv('NEWS_SHARE_CARD_STORIES', '1');
    vi.stubEnv('NEWS_SHARE_CARD_DAYS', '50');
    expect((await loadSite({ now })).nextChange).toBe('2026-02-20T00:00:00.001Z');
    // After the last scheduled story, the share card alone.
    // Soon (1 Mar) is then the oldest carded story, and leaves 50 days later.
    expect((await loadSite({ now: new Date('2026-04-02T00:00:00Z') })).nextChange).toBe('2026-04-20T00:00:00.001Z');
  });

  test('a build that rendered something prunes the bodies it did not use; one that rendered nothing writes nothing', async () => {
    const rows = () => {
      const db = new DatabaseSync(path.join(dir, 'cache/render/bodies.sqlite'));
      try {
        return (db.prepare('SELECT count(*) AS n FROM body').get() as { n: number }).n;
      } finally {
        db.close();
      }
    };
    await loadSite({ now });
    expect(rows()).toBe(2);
    // Old is gone: nothing new to render, so the cache is left as it was.
    rmSync(path.join(dir, 'content/stories/old.md'));
    await loadSite({ now });
    expect(rows()).toBe(2);
    // A story changed: its new body is written, and the two no build uses are pruned.
    story('new', '2026-02-01T00:00:00Z', 'New text, edited.');
    await loadSite({ now });
    expect(rows()).toBe(1);
  });

  test("images are looked up in the working folder's public/, and a broken one there is a content problem", async () => {
    story('pictured', '2026-01-15T00:00:00Z', 'Text.', 'image: { src: /images/photo.jpg, alt: "A storm" }\n');
    mkdirSync(path.join(dir, 'public/images'), { recursive: true });
    cpSync(path.join(process.cwd(), 'public/images/hurricane-spiral.jpg'), path.join(dir, 'public/images/photo.jpg'));
    vi.spyOn(process, 'cwd').mockReturnValue(dir);
    try {
      const site = await loadSite({ now });
      expect(site.stories.find((s) => s.slug === 'pictured')?.image).toMatchObject({ width: 2400, height: 1350 });
      writeFileSync(path.join(dir, 'public/images/photo.jpg'), 'not a JPEG');
      await expect(loadSite({ now })).rejects.toThrow(/pictured\.md.*photo\.jpg is not a JPEG, PNG or WebP image/s);
    } finally {
      vi.restoreAllMocks();
    }
  });
});
