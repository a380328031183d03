// The checks that keep untrusted content from running code or crashing the build, module by module.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { formatIssue } from '../src/lib/model/content-error.ts';
import { readContentDir } from '../src/lib/sources/content-files.ts';
import { parseFrontMatter } from '../src/lib/sources/front-matter.ts';
import {
  markdownProblems,
  MAX_BODY_LINES,
  MAX_BODY_MARKERS,
  MAX_MARKDOWN_NESTING,
  MAX_PARAGRAPH_MARKERS,
} from '../src/lib/body/markdown.ts';
import { MAX_LIST_LEVEL, MAX_SPAN_MARKS, portableTextProblems } from '../src/lib/body/portable-text.ts';
import { siteSourceFromDocuments } from '../src/lib/sources/sanity/site-source.ts';
import { buildSite } from '../src/lib/site/site.ts';
import { parseStory, type Story } from '../src/lib/model/story.ts';
import { buildTagVocabulary } from '../src/lib/model/tags.ts';
import { isImageUrl, isSitePath, srcsetUrls } from '../src/lib/site/urls.ts';

describe('parseFrontMatter', () => {
  test.each([
    ['---\ntitle: A\n---\nBody', { title: 'A' }],
    ['---yaml\ntitle: A\n---\nBody', { title: 'A' }],
    ['--- YML \ntitle: A\n---\nBody', { title: 'A' }],
    ['\uFEFF---\ntitle: A\n---\nBody', { title: 'A' }],
    ['---\n---\nBody', {}],
    ['No front matter', {}],
  ])('%j is YAML', (source, data) => {
    expect(parseFrontMatter(source)).toMatchObject({ data });
  });

  test.each([
    '---js',
    '---javascript',
    '--- JS ',
    '\uFEFF---js',
    '---json',
    '---coffee',
    '---toml',
    '---constructor',
    '---__proto__',
    '---toString',
  ])('%j is refused before any engine runs', (opener) => {
    const result = parseFrontMatter(`${opener}\n{ title: (globalThis.ranFrontMatter = true, 'A') }\n---\nBody`);
    expect(result).toMatchObject({
      problem: expect.stringMatching(/^front matter must be YAML, received a block opened with "---/),
    });
    expect((globalThis as Record<string, unknown>)['ranFrontMatter']).toBeUndefined();
  });

  test('YAML stays data: no custom tags, __proto__ is an ordinary key, a list is not fields', () => {
    expect(parseFrontMatter('---\nf: !!js/function "function () {}"\n---\n')).toMatchObject({
      problem: expect.stringContaining('not valid YAML: unknown scalar tag'),
    });
    const proto = parseFrontMatter('---\n__proto__: { polluted: true }\n---\n');
    expect('data' in proto && Object.keys(proto.data)).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    expect(parseFrontMatter('---\n- a\n- b\n---\n')).toMatchObject({
      problem: 'expected the front matter to be fields (name: value), received a list of 2',
    });
  });

  test('each problem says how to fix it; the opener is quoted up to 40 characters', () => {
    expect(parseFrontMatter(`---js${'x'.repeat(60)}\n---\n`)).toEqual({
      problem: `front matter must be YAML, received a block opened with "---js${'x'.repeat(38)}"`,
      hint: 'open the front matter with a line of just --- (other languages, such as ---js, are never run)',
    });
    // A file of just the opener, with no line break.
    expect(parseFrontMatter('---toml')).toMatchObject({
      problem: 'front matter must be YAML, received a block opened with "---toml"',
    });
    expect(parseFrontMatter('---\n42\n---\n')).toEqual({
      problem: 'expected the front matter to be fields (name: value), received 42',
      hint: 'write one "field: value" per line between the two --- markers',
    });
    expect(parseFrontMatter('---\na: [\n---\n')).toEqual({
      // The first line of js-yaml's message, without its snippet of the text.
      problem: 'the front matter is not valid YAML: unexpected end of the stream within a flow collection (2:5)',
      hint: 'check the lines between the two --- markers',
    });
  });

  test('a null YAML document, or one of comments only, is no fields, and the body is kept', () => {
    expect(parseFrontMatter('---\n~\n---\nBody')).toEqual({ data: {}, content: 'Body' });
    expect(parseFrontMatter('---\n# just a comment\n---\nBody')).toEqual({ data: {}, content: 'Body' });
    expect(parseFrontMatter('---\ntitle: A\n---\nBody')).toEqual({ data: { title: 'A' }, content: 'Body' });
  });

  test('YAML is read with the core schema: dates stay strings, and no other tags', () => {
    expect(parseFrontMatter('---\nd: 2025-01-02\n---\n')).toEqual({ data: { d: '2025-01-02' }, content: '' });
    expect(parseFrontMatter('---\nb: !!binary aGVsbG8=\n---\n')).toMatchObject({
      problem: expect.stringContaining('unknown scalar tag !<tag:yaml.org,2002:binary>') as unknown,
    });
  });

  test('only a leading byte order mark is dropped; four dashes open no front matter', () => {
    expect(parseFrontMatter('---\ntitle: a\uFEFFb\n---\n')).toEqual({ data: { title: 'a\uFEFFb' }, content: '' });
    expect(parseFrontMatter('----\ntitle: x\n----\nBody')).toEqual({ data: {}, content: '----\ntitle: x\n----\nBody' });
  });
});

describe('the YAML lists', () => {
  test('__proto__ and merge keys are unknown fields, never the prototype of anything', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'yaml-lists-'));
    try {
      await mkdir(path.join(dir, 'stories'));
      await writeFile(
        path.join(dir, 'sections.yaml'),
        '- { slug: world, name: World, __proto__: { polluted: true } }\n',
      );
      await writeFile(
        path.join(dir, 'authors.yaml'),
        '- &a { slug: jane-park, name: Jane Park }\n- { <<: *a, slug: x }\n',
      );
      await writeFile(
        path.join(dir, 'tags.yaml'),
        '- { name: Ukraine, constructor: { prototype: { polluted: true } } }\n',
      );
      const { issues } = await readContentDir(dir, 'content');
      expect(issues.map(formatIssue)).toEqual([
        'content/sections.yaml[0]: Unrecognized key: "__proto__", unknown field(s) __proto__',
        // The merge key merges nothing: the entry lacks the name it would have copied.
        'content/authors.yaml[1] → name: expected a name, received nothing',
        'content/authors.yaml[1]: Unrecognized key: "<<", unknown field(s) <<',
        'content/tags.yaml[0]: Unrecognized key: "constructor", unknown field(s) constructor',
      ]);
      expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('image URLs', () => {
  test.each([
    ['/images/kyiv.svg', true],
    ['https://cdn.sanity.io/images/p/d/a-1x1.png?w=480', true],
    ['http://127.0.0.1:3333/images/local/production/a.png', true],
    ['http://example.com/a.png', false],
    ['//evil.example.com/a.png', false],
    ['/\\evil.example.com/a.png', false],
    ['/images/../../etc/passwd', false],
    ['javascript:alert(1)', false],
    ['JAVASCRIPT:alert(1)', false],
    ['data:image/png;base64,AAAA', false],
    ['images/relative.png', false],
    ['/a b.png', false],
    ['', false],
    ['http://localhost:3333/a.png', true],
    ['http://[::1]:3333/a.png', true],
    ['HTTPS://CDN.EXAMPLE.COM/A.PNG', true],
    ['https://cdn.example.com/a b.png', false],
    ['https://cdn.example.com/a\u0000.png', false],
    ['https://', false],
    ['https:cdn.example.com/a.png', false],
    ['https:/cdn.example.com/?u=https://a.png', false],
    ['ftp://cdn.example.com/a.png', false],
  ])('isImageUrl(%j) is %s', (url, expected) => {
    expect(isImageUrl(url)).toBe(expected);
  });

  test('isSitePath accepts a query after the path', () => {
    expect(isSitePath('/images/a.png?v=2')).toBe(true);
  });

  test('isSitePath looks for a .. segment in the path only, not in the query or fragment', () => {
    expect(isSitePath('/images/a.png?next=/../x')).toBe(true);
    expect(isSitePath('/images/a.png#/../x')).toBe(true);
    expect(isSitePath('/images/..?v=2')).toBe(false);
    expect(isSitePath('/images/..')).toBe(false);
    expect(isSitePath('/images/..#top')).toBe(false);
    expect(isSitePath('/images/..a.png')).toBe(true);
  });

  test.each([
    ['/a-480.jpg 480w, /a-800.jpg 800w', ['/a-480.jpg', '/a-800.jpg']],
    [
      'https://x.io/a.png?rect=0,0,10,10&w=480 480w, https://x.io/b.png 2x',
      ['https://x.io/a.png?rect=0,0,10,10&w=480', 'https://x.io/b.png'],
    ],
    ['/a.png, /b.png 2x', ['/a.png', '/b.png']],
    ['data:image/png;base64,AA,BB 1x', ['data:image/png;base64,AA,BB']],
    ['/a.png 480w onerror=alert(1)', undefined],
    ['/a.png', ['/a.png']],
    ['/a.png , /b.png 2x', ['/a.png', '/b.png']],
    [',  /a.png 1x,  \t/b.png 2x, ', ['/a.png', '/b.png']],
    ['/a.png,, /b.png 2x', ['/a.png', '/b.png']],
    ['/a,b.png, /c.png', ['/a,b.png', '/c.png']],
    ['/a.png 1.25x, /b.png 2.5x', ['/a.png', '/b.png']],
    ['/a.png a1w', undefined],
    ['/a.png 1w2', undefined],
    ['/a.png 1.x', undefined],
    ['/a.png 1.5', undefined],
    ['', []],
  ])('srcsetUrls(%j)', (srcset, urls) => {
    expect(srcsetUrls(srcset)).toEqual(urls);
  });
});

describe('markdownProblems', () => {
  test.each([
    ['a paragraph', []],
    ['> quote\n> > nested\n\n- a\n  - b\n    - c', []],
    ['```\n' + ' '.repeat(200) + 'code is literal\n```', []],
    ['<div><div><p>fine</p></div></div><br><img src="/a.png">', []],
    [
      `${'> '.repeat(MAX_MARKDOWN_NESTING + 1)}x`,
      [`line 1 nests quotes or lists more than ${MAX_MARKDOWN_NESTING} levels deep`],
    ],
    [
      Array.from({ length: 40 }, (_, i) => `${'  '.repeat(i)}- x`).join('\n'),
      [`line ${MAX_MARKDOWN_NESTING + 1} nests quotes or lists more than ${MAX_MARKDOWN_NESTING} levels deep`],
    ],
    [`${'<span>'.repeat(65)}x`, ['raw HTML elements nest 65 levels deep, over the limit of 64']],
    [`${'*a'.repeat(MAX_PARAGRAPH_MARKERS / 2)}\n\n${'*a'.repeat(MAX_PARAGRAPH_MARKERS / 2)}`, []],
    [
      `intro\n\n${'[a'.repeat(MAX_PARAGRAPH_MARKERS / 2)}\n${'[a'.repeat(MAX_PARAGRAPH_MARKERS / 2 + 1)}`,
      [
        `the paragraph at line 3 holds more than ${MAX_PARAGRAPH_MARKERS} link, emphasis, code or HTML markers ([ * _ \` < ~)`,
      ],
    ],
    [`\`\`\`\n${'[a'.repeat(MAX_PARAGRAPH_MARKERS + 1)}\n\`\`\``, []],
    [Array.from({ length: MAX_BODY_MARKERS / 1000 }, () => '*a'.repeat(1000)).join('\n\n'), []],
    [
      Array.from({ length: MAX_BODY_MARKERS / 1000 + 1 }, () => '*a'.repeat(1000)).join('\n\n'),
      ['the body holds 21,000 link, emphasis, code, HTML or table markers ([ * _ ` < ~ |), over the limit of 20,000'],
    ],
    [
      `${'|a'.repeat(10)}|\n${'|-'.repeat(10)}|\n${`${'|x'.repeat(10)}|\n`.repeat(1820)}`,
      ['the body holds 20,042 link, emphasis, code, HTML or table markers ([ * _ ` < ~ |), over the limit of 20,000'],
    ],
    [
      Array.from({ length: MAX_BODY_LINES + 1 }, () => '- x').join('\n'),
      ['the body has 5,001 lines, over the limit of 5,000'],
    ],
    [
      Array.from({ length: MAX_BODY_LINES + 1 }, () => '- x').join('\r'),
      ['the body has 5,001 lines, over the limit of 5,000'],
    ],
  ])('%#', (markdown, problems) => {
    expect(markdownProblems(markdown).map((p) => p.message)).toEqual(problems);
  });
});

describe('portableTextProblems', () => {
  const span = (text: unknown, marks: unknown = []) => ({ _type: 'span', _key: 's', text, marks });
  const block = (fields: Record<string, unknown>) => ({
    _type: 'block',
    _key: 'b',
    style: 'normal',
    markDefs: [],
    children: [span('x')],
    ...fields,
  });

  test('a valid body, an unknown type and a missing markDefs are fine', () => {
    expect(
      portableTextProblems([
        block({}),
        { _type: 'embed', html: '<iframe>' },
        block({ markDefs: undefined }),
        { _type: 'image', src: '/a.png', alt: 'A' },
      ]),
    ).toEqual([]);
  });

  test.each([
    [[null], '[0]: expected a block (an object with a _type), received null'],
    [[42], '[0]: expected a block (an object with a _type), received 42'],
    [[{ text: 'no type' }], '[0]._type: expected a block (an object with a _type), received nothing'],
    [[block({ children: null })], '[0].children: expected a list of spans, received null'],
    [[block({ children: [null] })], '[0].children[0]: expected a span (an object with a _type), received null'],
    [[block({ children: [span(5)] })], '[0].children[0].text: expected text, received 5'],
    [
      [block({ children: [span('x', 'strong')] })],
      '[0].children[0].marks: expected a list of mark names, received "strong"',
    ],
    [
      [
        block({
          children: [
            span(
              'x',
              Array.from({ length: MAX_SPAN_MARKS + 1 }, (_, i) => `m${i}`),
            ),
          ],
        }),
      ],
      `[0].children[0].marks: expected at most ${MAX_SPAN_MARKS} marks, received a list of ${MAX_SPAN_MARKS + 1}`,
    ],
    [
      [block({ markDefs: [null] })],
      '[0].markDefs[0]: expected a mark definition with a _key and a _type, received null',
    ],
    [[block({ markDefs: [{ _type: 'link', _key: 'l', href: 7 }] })], '[0].markDefs[0].href: expected text, received 7'],
    [
      [block({ listItem: 'bullet', level: MAX_LIST_LEVEL + 1 })],
      `[0].level: expected a list level from 1 to ${MAX_LIST_LEVEL}, received ${MAX_LIST_LEVEL + 1}`,
    ],
    [
      [{ _type: 'image', src: 'javascript:alert(1)' }],
      '[0].src: expected a site path like /images/photo.jpg or an https:// URL, received "javascript:alert(1)"',
    ],
    [[{ _type: 'table', rows: [{ cells: [null] }] }], '[0].rows[0].cells[0]: expected text, received null'],
  ])('%j', (blocks, problem) => {
    const [first] = portableTextProblems(blocks);
    expect(
      first && `${first.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${p}`)).join('')}: ${first.message}`,
    ).toBe(problem);
  });

  test('a body broken everywhere is summed up in 20 problems', () => {
    expect(portableTextProblems(Array.from({ length: 1000 }, () => null))).toHaveLength(20);
  });
});

describe('stories from untrusted sources', () => {
  const fields = {
    title: 'T',
    slug: 's',
    dek: 'D.',
    publishedAt: '2025-01-01',
    section: 'world',
    authors: ['jane-park'],
  };

  test('problems in a Portable Text body are reported on body[i], once each, with what was received', () => {
    const { issues } = parseStory('story-s', 'story-s', {
      ...fields,
      body: { format: 'portable-text', value: [null, { _type: 'block', children: 'x' }] },
    });
    expect(issues.map(formatIssue)).toEqual([
      'story-s → body[0]: expected a block (an object with a _type), received null',
      'story-s → body[1].children: expected a list of spans, received "x"',
    ]);
  });

  test('a body that is not a list of blocks, and tags that fold to nothing, are content problems', () => {
    const { issues } = parseStory('story-s', 'story-s', {
      ...fields,
      tags: ['!!!', '¿?'],
      body: { format: 'portable-text', value: 'text' },
    });
    expect(issues.map(formatIssue)).toEqual([
      'story-s → tags[0]: expected a tag name with at least one letter or digit, received "!!!"',
      'story-s → tags[1]: expected a tag name with at least one letter or digit, received "¿?"',
      'story-s → body: expected a list of blocks, received "text"',
    ]);
  });

  test('an alias in tags.yaml that folds to nothing is reported', () => {
    const { issues } = buildTagVocabulary([
      { def: { name: 'Ukraine', aliases: ['!!!'] }, where: 'content/tags.yaml[0]' },
    ]);
    expect(issues.map(formatIssue)).toEqual([
      'content/tags.yaml[0] → aliases[0]: expected an alias with at least one letter or digit, received "!!!"',
    ]);
  });

  test("an image asset id that Sanity's URL builder cannot read is a problem of the field, not a crash", () => {
    const doc = {
      _id: 'story-a',
      _type: 'story',
      mainImage: { asset: { _ref: 'image-abc' }, alt: 'A' },
      body: [{ _type: 'image', asset: { _ref: 'image-abc' } }],
    };
    const { issues } = siteSourceFromDocuments(
      { documents: [doc], assets: [{ _id: 'image-abc', url: 'https://x.io/a.png' }] },
      { projectId: 'local', dataset: 'd' },
    );
    expect(
      issues.filter((i) => i.message.includes('cannot be turned into a URL')).map((i) => `${i.where} → ${i.field}`),
    ).toEqual(['story-a → mainImage', 'story-a → body[0]']);
  });

  test('a body the renderer fails on is a content problem naming the story, not a stack trace', () => {
    const story = parseStory('story-s', 'content/stories/s.md', { ...fields, body: { format: 'markdown', value: 'x' } })
      .story as Story;
    const source = {
      stories: [{ story, where: 'content/stories/s.md' }],
      rejected: [],
      sections: [],
      authors: [],
      tags: [],
      issues: [],
    };
    const render = () => {
      throw new RangeError('Maximum call stack size exceeded');
    };
    expect(() => buildSite(source, { now: new Date('2026-01-01T00:00:00Z'), render })).toThrow(
      'content/stories/s.md → body: the body was not built: it nests too deeply to render (flatten deeply nested quotes, lists, emphasis or HTML)',
    );
  });
});
