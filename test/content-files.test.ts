// Reading the embedded content folder rule by rule, on real files in a temporary folder: what is read, what each
// broken file reports (file, field, message, hint), and that one bad file never stops the others from being read.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import {
  MAX_STORY_FILE_BYTES,
  MAX_YAML_FILE_BYTES,
  readContentDir,
  readStoryFile,
  storyIdFromFile,
  type StoryFilesReader,
} from '../src/lib/sources/content-files.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'content-files-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const write = async (file: string, text: string | Buffer) => {
  await mkdir(path.dirname(path.join(dir, file)), { recursive: true });
  await writeFile(path.join(dir, file), text);
};

const story = (extra = '') =>
  `---\ntitle: A title long enough\ndek: A dek that says what happened.\npublishedAt: 2026-01-02T03:04:05Z\nsection: world\nauthors: [ana]\n${extra}---\n`;

/** A folder with valid taxonomies. */
async function taxonomies() {
  await write('sections.yaml', '- slug: world\n  name: World\n');
  await write('authors.yaml', '- slug: ana\n  name: Ana Ruiz\n');
  await write('tags.yaml', '- name: Trade\n');
}

describe('storyIdFromFile', () => {
  test('is story- and the file name without .md', () => {
    expect(storyIdFromFile('/x/content/stories/rates-rise.md')).toBe('story-rates-rise');
  });
});

describe('readStoryFile', () => {
  test('the slug defaults to the file name; blank lines before the body are dropped', async () => {
    await write('stories/rates-rise.md', `${story()}\n\nThe body.\n\nMore.\n`);
    const read = await readStoryFile(path.join(dir, 'stories/rates-rise.md'), 'content/stories/rates-rise.md');
    expect(read.issues).toEqual([]);
    expect(read.story).toMatchObject({ id: 'story-rates-rise', slug: 'rates-rise', title: 'A title long enough' });
    expect(read.story?.body).toEqual({ format: 'markdown', value: 'The body.\n\nMore.\n' });
    expect(read.refs).toMatchObject({ slug: 'rates-rise' });
  });

  test('a slug in the front matter wins over the file name', async () => {
    await write('stories/a.md', `${story('slug: other-slug\n')}Body.\n`);
    expect((await readStoryFile(path.join(dir, 'stories/a.md'), 'a.md')).story?.slug).toBe('other-slug');
  });

  test('a body field in the front matter is refused, with the story kept for its references', async () => {
    await write('stories/b.md', `${story('body: text\n')}Body.\n`);
    const read = await readStoryFile(path.join(dir, 'stories/b.md'), 'content/stories/b.md');
    expect(read).toEqual({
      issues: [
        {
          where: 'content/stories/b.md',
          field: 'body',
          message: 'expected the body below the front matter, not a "body" field in it',
        },
      ],
      refs: expect.objectContaining({ slug: 'b' }) as unknown,
    });
  });

  test('front matter that is not YAML is an issue of the file, with its hint', async () => {
    await write('stories/c.md', '---js\n{}\n---\nBody.\n');
    expect(await readStoryFile(path.join(dir, 'stories/c.md'), 'c.md')).toEqual({
      issues: [
        {
          where: 'c.md',
          field: '',
          message: 'front matter must be YAML, received a block opened with "---js"',
          hint: 'open the front matter with a line of just --- (other languages, such as ---js, are never run)',
        },
      ],
      refs: { slug: 'c' },
    });
  });

  test('a file over the limit is refused by its size, unread; a file at the limit is read', async () => {
    await write('stories/big.md', Buffer.alloc(MAX_STORY_FILE_BYTES + 1, 'a'));
    expect(await readStoryFile(path.join(dir, 'stories/big.md'), 'big.md')).toEqual({
      issues: [
        {
          where: 'big.md',
          field: '',
          message: 'the file is 1,114,113 bytes (1.1 MB), over the limit of 1,114,112 bytes (1.1 MB)',
          hint: 'split the story, or move large material (tables, data) out of the body',
        },
      ],
      refs: { slug: 'big' },
    });
    // Exactly at the limit: a long YAML comment in the front matter fills it.
    const file = (comment: string) => `${story(`# ${comment}\n`)}Body.\n`;
    await write('stories/edge.md', file('x'.repeat(MAX_STORY_FILE_BYTES - Buffer.byteLength(file('')))));
    const edge = await readStoryFile(path.join(dir, 'stories/edge.md'), 'edge.md');
    expect(edge.issues).toEqual([]);
  });
});

describe('readContentDir', () => {
  test('reads the .md stories in name order, and names files from the display root', async () => {
    await taxonomies();
    for (const name of ['c', 'a', 'd', 'b']) await write(`stories/${name}.md`, `${story()}Body ${name}.\n`);
    await write('stories/notes.txt', 'not a story');
    const source = await readContentDir(dir, 'site/content');
    expect(source.issues).toEqual([]);
    expect(source.stories.map((s) => [s.story.slug, s.where])).toEqual([
      ['a', 'site/content/stories/a.md'],
      ['b', 'site/content/stories/b.md'],
      ['c', 'site/content/stories/c.md'],
      ['d', 'site/content/stories/d.md'],
    ]);
    expect(source.sections).toEqual([
      { def: { slug: 'world', name: 'World' }, where: 'site/content/sections.yaml[0]' },
    ]);
    expect(source.authors).toEqual([{ def: { slug: 'ana', name: 'Ana Ruiz' }, where: 'site/content/authors.yaml[0]' }]);
    expect(source.tags).toEqual([{ def: { name: 'Trade', aliases: [] }, where: 'site/content/tags.yaml[0]' }]);
  });

  test('the display root defaults to the folder relative to the working directory', async () => {
    await taxonomies();
    await write('stories/a.md', `${story()}Body.\n`);
    const source = await readContentDir(dir);
    expect(source.stories[0]?.where).toBe(path.join(path.relative(process.cwd(), dir), 'stories/a.md'));
  });

  test('a rejected story is listed with its references, beside the stories that were read', async () => {
    await taxonomies();
    await write('stories/a.md', `${story()}Body.\n`);
    await write('stories/b.md', `${story('body: x\n')}Body.\n`);
    const source = await readContentDir(dir, 'c');
    expect(source.stories.map((s) => s.where)).toEqual(['c/stories/a.md']);
    expect(source.rejected).toEqual([
      { where: 'c/stories/b.md', refs: expect.objectContaining({ slug: 'b' }) as unknown },
    ]);
    expect(source.issues.map((issue) => [issue.where, issue.field])).toEqual([['c/stories/b.md', 'body']]);
  });

  test('the stories are read by the reader given, in one call with every file', async () => {
    await taxonomies();
    await write('stories/a.md', `${story()}Body.\n`);
    await write('stories/b.md', `${story()}Body.\n`);
    const calls: string[][] = [];
    const reader: StoryFilesReader = async (files) => {
      calls.push(files.map((f) => f.where));
      return Promise.all(files.map((f) => readStoryFile(f.file, f.where)));
    };
    const source = await readContentDir(dir, 'c', reader);
    expect(calls).toEqual([['c/stories/a.md', 'c/stories/b.md']]);
    expect(source.stories).toHaveLength(2);
  });

  test('no stories folder is no stories; each missing taxonomy file is an issue with a hint', async () => {
    const source = await readContentDir(dir, 'c');
    expect(source.stories).toEqual([]);
    const missing = (file: string) => ({
      where: `c/${file}`,
      field: '',
      message: 'expected this file, found none',
      hint: 'create it as a YAML list (see README, "Content format")',
    });
    expect(source.issues).toEqual([missing('sections.yaml'), missing('authors.yaml'), missing('tags.yaml')]);
    expect([source.sections, source.authors, source.tags]).toEqual([[], [], []]);
  });

  test('a taxonomy file that is not YAML, not a list, too large, or has bad entries is reported, and the rest is read', async () => {
    await write(
      'sections.yaml',
      '- slug: world\n  name: World\n  description: 2025-01-01\n- slug: Bad Slug\n  name: X\n- slug: ok\n  name: Ok\n  extra: 1\n  more: 2\n',
    );
    await write('authors.yaml', 'slug: ana\n');
    await write('tags.yaml', '- name: [unclosed\n  more: x');
    const source = await readContentDir(dir, 'c');
    // The core schema: a date stays the text it was written as.
    expect(source.sections).toEqual([
      { def: { slug: 'world', name: 'World', description: '2025-01-01' }, where: 'c/sections.yaml[0]' },
    ]);
    expect([source.authors, source.tags]).toEqual([[], []]);
    expect(source.issues).toEqual([
      {
        where: 'c/sections.yaml[1]',
        field: 'slug',
        message: 'expected a slug of lower-case letters, digits and hyphens, like "us-politics", received "Bad Slug"',
      },
      {
        where: 'c/sections.yaml[2]',
        field: '',
        message: expect.stringMatching(/, unknown field\(s\) extra, more$/) as unknown,
      },
      { where: 'c/authors.yaml', field: '', message: 'expected a YAML list of entries, received an object' },
      {
        where: 'c/tags.yaml',
        field: '',
        message: 'not valid YAML: deficient indentation (2:3)',
      },
    ]);

    await write('tags.yaml', Buffer.alloc(MAX_YAML_FILE_BYTES + 1, ' '));
    const tooBig = await readContentDir(dir, 'c');
    expect(tooBig.tags).toEqual([]);
    expect(tooBig.issues.at(-1)).toEqual({
      where: 'c/tags.yaml',
      field: '',
      message: 'the file is 4,194,305 bytes (4 MB), over the limit of 4,194,304 bytes (4 MB)',
      hint: 'keep only the entries the site uses',
    });
  });
});
