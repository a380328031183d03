import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Root, RootContent } from 'hast';
import { describe, expect, test } from 'vitest';
import { readStoryFile } from '../src/lib/sources/content-files.ts';
import { markdownToHast } from '../src/lib/body/markdown.ts';
import {
  portableTextToHast,
  type PortableTextBlock,
  type PortableTextTextBlock,
} from '../src/lib/body/portable-text.ts';
import { markdownToPortableText, portableTextToMarkdown } from '../src/lib/body/portable-text-markdown.ts';
import { hastToHtml, prepareHast } from '../src/lib/body/render.ts';

// Fixture folders: `input.md` (a markdown body) or `input.json` (Portable Text blocks), and the expected outputs.
// `UPDATE=1 npx vitest run test/portable-text.test.ts` rewrites the expected files; review them in the diff.
const FIXTURES = fileURLToPath(new URL('./fixtures/bodies/', import.meta.url));
const STORIES = fileURLToPath(new URL('../content/stories/', import.meta.url));
const UPDATE = process.env['UPDATE'] === '1';
// Markdown fixtures whose Portable Text cannot render exactly like the markdown (see portable-text-markdown.ts);
// their Portable Text HTML is pinned in `expected.pt.html` instead.
const LOSSY = new Set(['hostile', 'lossy']);

const fixtures = readdirSync(FIXTURES, { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name)
  .sort();
const markdownFixtures = fixtures.filter((name) => existsSync(path.join(FIXTURES, name, 'input.md')));
const portableTextFixtures = fixtures.filter((name) => existsSync(path.join(FIXTURES, name, 'input.json')));

function render(tree: Root): string {
  return hastToHtml(prepareHast(tree));
}

/** Compares `actual` with a fixture's expected file, or writes it when UPDATE=1. */
function expectFixture(name: string, file: string, actual: string): void {
  const where = path.join(FIXTURES, name, file);
  if (UPDATE) {
    writeFileSync(where, actual);
    return;
  }
  if (!existsSync(where))
    throw new Error(`${where} is missing: run UPDATE=1 npx vitest run test/portable-text.test.ts and review it`);
  expect(actual).toBe(readFileSync(where, 'utf8'));
}

function withoutPositions(tree: Root): unknown {
  return JSON.parse(JSON.stringify(tree, (key, value: unknown) => (key === 'position' ? undefined : value)));
}

/** What an attacker would need in the rendered tree: script-capable elements, handlers, script URLs. */
function activeContent(tree: Root): string[] {
  const found: string[] = [];
  const walk = (node: Root | RootContent): void => {
    if ('children' in node) node.children.forEach(walk);
    if (node.type !== 'element') return;
    // A GFM task list's disabled checkbox is the one input the renderer keeps.
    const checkbox =
      node.tagName === 'input' && node.properties['type'] === 'checkbox' && node.properties['disabled'] === true;
    if (/^(script|style|iframe|object|embed|form|input|link|meta|base|svg|math)$/.test(node.tagName) && !checkbox)
      found.push(`<${node.tagName}>`);
    for (const [name, value] of Object.entries(node.properties)) {
      if (/^on/i.test(name)) found.push(`${node.tagName}[${name}]`);
      if (
        (name === 'href' || name === 'src') &&
        typeof value === 'string' &&
        !/^(https?:|mailto:|\/|#|[^:]*$)/i.test(value)
      ) {
        found.push(`${node.tagName}[${name}=${value}]`);
      }
    }
  };
  walk(prepareHast(tree));
  return found;
}

describe.each(markdownFixtures)('markdown fixture %s', (name) => {
  const markdown = readFileSync(path.join(FIXTURES, name, 'input.md'), 'utf8');
  const blocks = markdownToPortableText(markdown, name);
  const normalised = portableTextToMarkdown(blocks);

  test('markdown renders to expected.html', () => {
    expectFixture(name, 'expected.html', render(markdownToHast(markdown)));
  });

  test('its Portable Text is expected.json and its normalised markdown expected.md', () => {
    expectFixture(name, 'expected.json', `${JSON.stringify(blocks, null, 2)}\n`);
    expectFixture(name, 'expected.md', normalised);
  });

  if (LOSSY.has(name)) {
    test('Portable Text renders to expected.pt.html (a documented difference)', () => {
      expectFixture(name, 'expected.pt.html', render(portableTextToHast(blocks)));
    });
  } else {
    test('Portable Text renders like the markdown (expected.html), through the same hast', () => {
      expect(render(portableTextToHast(blocks))).toBe(render(markdownToHast(markdown)));
      expect(withoutPositions(prepareHast(portableTextToHast(blocks)))).toEqual(
        withoutPositions(prepareHast(markdownToHast(markdown))),
      );
    });
  }

  test('the round trip through normalised markdown is idempotent', () => {
    expect(markdownToPortableText(normalised, name)).toEqual(blocks);
    expect(portableTextToMarkdown(markdownToPortableText(normalised, name))).toBe(normalised);
    expect(render(markdownToHast(normalised))).toBe(render(portableTextToHast(blocks)));
  });

  test('nothing active survives either path', () => {
    expect(activeContent(markdownToHast(markdown))).toEqual([]);
    expect(activeContent(portableTextToHast(blocks))).toEqual([]);
  });
});

describe.each(portableTextFixtures)('Portable Text fixture %s', (name) => {
  const input = JSON.parse(readFileSync(path.join(FIXTURES, name, 'input.json'), 'utf8')) as unknown[];
  const html = render(portableTextToHast(input));
  const normalised = portableTextToMarkdown(input);

  test('renders to expected.html, as its markdown (expected.md) does', () => {
    expectFixture(name, 'expected.html', html);
    expectFixture(name, 'expected.md', normalised);
    expect(render(markdownToHast(normalised))).toBe(html);
  });

  test('the round trip through markdown keeps the HTML and is idempotent', () => {
    const again = markdownToPortableText(normalised, name);
    expect(render(portableTextToHast(again))).toBe(html);
    expect(portableTextToMarkdown(again)).toBe(normalised);
    expect(markdownToPortableText(portableTextToMarkdown(again), name)).toEqual(again);
  });

  test('nothing active survives', () => {
    expect(activeContent(portableTextToHast(input))).toEqual([]);
  });
});

describe('stories in content/stories', () => {
  const files = existsSync(STORIES)
    ? readdirSync(STORIES)
        .filter((f) => f.endsWith('.md'))
        .sort()
    : [];

  test.for(files)('%s renders the same from markdown and from Portable Text', async (file, { skip }) => {
    const { story } = await readStoryFile(path.join(STORIES, file), `content/stories/${file}`);
    // Files with front matter errors are the content validator's business, not this test's.
    if (story?.body.format !== 'markdown') return skip('front matter errors');
    const markdown = story.body.value;
    const blocks = markdownToPortableText(markdown, story.id);
    const normalised = portableTextToMarkdown(blocks);
    expect(render(portableTextToHast(blocks))).toBe(render(markdownToHast(markdown)));
    expect(markdownToPortableText(normalised, story.id)).toEqual(blocks);
  });
});

describe('markdownToPortableText', () => {
  const textBlocks = (markdown: string) =>
    markdownToPortableText(markdown, 'story-x').filter((b): b is PortableTextTextBlock => b._type === 'block');

  test('keys are deterministic, unique, and follow the key prefix', () => {
    const markdown = readFileSync(path.join(FIXTURES, 'links-inside-strong', 'input.md'), 'utf8');
    const first = markdownToPortableText(markdown, 'story-a');
    expect(markdownToPortableText(markdown, 'story-a')).toEqual(first);
    const other = markdownToPortableText(markdown, 'story-b');
    expect(other[0]?._key).not.toBe(first[0]?._key);
    expect(other.map((b) => b._key.split('-')[1])).toEqual(first.map((b) => b._key.split('-')[1]));
    const keys = first.map((b) => b._key);
    expect(new Set(keys).size).toBe(keys.length);
    for (const block of first) {
      if (block._type !== 'block') continue;
      const defs = new Set(block.markDefs.map((d) => d._key));
      for (const span of block.children) {
        for (const mark of span.marks)
          expect(['strong', 'em', 'code', 'strike-through', 'leadIn'].includes(mark) || defs.has(mark)).toBe(true);
      }
    }
  });

  test.each([
    ['**Why it matters:** text', ['leadIn']],
    ['**Why it matters: ** text', []], // not strong in markdown: a space before the closing **
    ['**Why it matters** text', ['strong']],
    ['Text **then:** more', []],
    ['> **Quote:** text', ['leadIn']],
    ['- **Item:** text', ['strong']],
    ['## **Heading:** text', ['strong']],
  ])('%j: the first span has marks %j', (markdown, marks) => {
    expect(textBlocks(markdown)[0]?.children[0]?.marks).toEqual(marks);
  });

  test('a link annotation stays in its own block', () => {
    const [first, second] = textBlocks('A [link](https://example.com) here.\n\nNext paragraph.');
    expect(first?.markDefs).toHaveLength(1);
    expect(second?.markDefs).toEqual([]);
    expect(second?.children.map((s) => s.marks)).toEqual([[]]);
  });

  test('maps headings, quotes, lists, images and tables to the story shapes', () => {
    const blocks = markdownToPortableText(
      '# One\n\n###### Six\n\n> Q\n\n1. a\n   - b\n\n![Alt](https://i.example/x.png "Cap")\n\n| h |\n| - |\n| c |',
      'k',
    );
    const shapes = blocks.map((b) =>
      b._type === 'block'
        ? [b.style, b.listItem ?? '', b.level ?? 0]
        : b._type === 'image'
          ? [b.alt, b.src ?? '', b.caption ?? '']
          : b.rows.map((r) => r.cells),
    );
    expect(shapes).toEqual([
      ['h2', '', 0],
      ['h4', '', 0],
      ['blockquote', '', 0],
      ['normal', 'number', 1],
      ['normal', 'bullet', 2],
      ['Alt', 'https://i.example/x.png', 'Cap'],
      [['h'], ['c']],
    ]);
  });

  test('raw HTML becomes text, and an HTML comment is dropped', () => {
    expect(textBlocks('<div onclick="x()">hi</div>')[0]?.children[0]?.text).toBe('<div onclick="x()">hi</div>');
    expect(
      textBlocks('a\n\n<!-- editor note -->\n\nb <!-- inline --> c').map((b) => b.children.map((s) => s.text).join('')),
    ).toEqual(['a', 'b  c']);
  });

  test('a list item under a dropped empty item takes the level it renders at', () => {
    expect(textBlocks('-\n  - x\n- y').map((b) => [b.children[0]?.text, b.level])).toEqual([
      ['x', 1],
      ['y', 1],
    ]);
  });
});

describe('portableTextToHast and portableTextToMarkdown', () => {
  const span = (text: string, marks: string[] = []) => ({ _type: 'span', _key: text, text, marks });
  const block = (children: unknown[], extra: Record<string, unknown> = {}) => ({
    _type: 'block',
    _key: 'b',
    style: 'normal',
    markDefs: [],
    children,
    ...extra,
  });
  const link = { _type: 'link', _key: 'l', href: 'https://example.com' };

  test.each<[string, unknown[]]>([
    ['not objects', [null, undefined, 1, 'x', true, []]],
    ['a block without children', [{ _type: 'block' }]],
    ['children that are not an array', [{ _type: 'block', children: { text: 'x' } }]],
    ['marks that are not an array', [block([{ _type: 'span', text: 'x', marks: 'strong' }])]],
    ['markDefs that are not an array', [block([span('x', ['l'])], { markDefs: 'l' })]],
    ['a cyclic-looking level', [block([span('x')], { listItem: 'bullet', level: Number.POSITIVE_INFINITY })]],
    ['an image without src', [{ _type: 'image', alt: 'x' }]],
    ['a table with odd rows', [{ _type: 'table', rows: [{ cells: [1, null] }, 'row', { cells: 'x' }] }]],
  ])('never throws on %s', (_, blocks) => {
    expect(() => render(portableTextToHast(blocks))).not.toThrow();
    expect(() => portableTextToMarkdown(blocks)).not.toThrow();
  });

  test('an empty body renders nothing', () => {
    expect(render(portableTextToHast([]))).toBe('');
    expect(portableTextToMarkdown([])).toBe('');
  });

  test.each<[string, string[], string]>([
    [
      'strong outside the link',
      ['strong', 'l'],
      '<p><strong><a href="https://example.com" rel="noopener noreferrer">x</a></strong></p>',
    ],
    [
      'the link outside strong',
      ['l', 'strong'],
      '<p><a href="https://example.com" rel="noopener noreferrer"><strong>x</strong></a></p>',
    ],
    ['em outside strong', ['em', 'strong'], '<p><em><strong>x</strong></em></p>'],
    ['strong outside em', ['strong', 'em'], '<p><strong><em>x</em></strong></p>'],
  ])('marks on the same text nest in their array order: %s', (_, marks, html) => {
    expect(render(portableTextToHast([block([span('x', marks)], { markDefs: [link] })]))).toBe(html);
  });

  test('list items nest by level, and a change of list type at one level starts a sibling list', () => {
    const item = (text: string, listItem: string, level: number) =>
      block([span(text)], { _key: text, listItem, level });
    const blocks = [
      item('a', 'bullet', 1),
      item('b', 'bullet', 2),
      item('c', 'number', 2),
      item('d', 'bullet', 1),
      item('e', 'number', 3),
    ];
    const markdown = '- a\n  - b\n  1. c\n- d\n  1. e\n';
    expect(portableTextToMarkdown(blocks)).toBe(markdown);
    expect(render(portableTextToHast(blocks))).toBe(render(markdownToHast(markdown)));
    expect(render(portableTextToHast(blocks))).toBe(
      '<ul>\n<li>a\n<ul>\n<li>b</li>\n</ul>\n<ol>\n<li>c</li>\n</ol>\n</li>\n<li>d\n<ol>\n<li>e</li>\n</ol>\n</li>\n</ul>',
    );
  });

  test('an empty block between list items does not split the list', () => {
    const blocks = [
      block([span('a')], { _key: '1', listItem: 'bullet' }),
      block([], { _key: '2' }),
      block([span('b')], { _key: '3', listItem: 'bullet' }),
    ];
    expect(portableTextToMarkdown(blocks)).toBe('- a\n- b\n');
  });

  test('a plain-text URL renders as a link, as it does in markdown', () => {
    const blocks = [block([span('See https://example.com/report for more.')])];
    expect(render(portableTextToHast(blocks))).toBe(
      '<p>See <a href="https://example.com/report" rel="noopener noreferrer">https://example.com/report</a> for more.</p>',
    );
    expect(portableTextToMarkdown(blocks)).toBe('See <https://example.com/report> for more.\n');
  });

  test('a bold trailing space moves outside the bold, so the markdown stays plain', () => {
    const blocks = [block([span('Why: ', ['strong']), span('text')])];
    expect(portableTextToMarkdown(blocks)).toBe('**Why:** text\n');
    expect(render(portableTextToHast(blocks))).toBe('<p><strong class="lead-in">Why:</strong> text</p>');
  });

  test('a line break is a hard break, except in a heading', () => {
    expect(render(portableTextToHast([block([span('a\nb')])]))).toBe('<p>a<br>\nb</p>');
    expect(render(portableTextToHast([block([span('a\nb')], { style: 'h2' })]))).toBe('<h2 id="a-b">a b</h2>');
  });

  test('empty and whitespace-only blocks are left out', () => {
    const blocks: PortableTextBlock[] = [
      { _type: 'block', _key: 'a', style: 'normal', markDefs: [], children: [] },
      {
        _type: 'block',
        _key: 'b',
        style: 'normal',
        markDefs: [],
        children: [{ _type: 'span', _key: 's', text: ' \n ', marks: [] }],
      },
    ];
    expect(render(portableTextToHast(blocks))).toBe('');
  });
});
