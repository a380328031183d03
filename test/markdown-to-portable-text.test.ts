import { describe, expect, test } from 'vitest';
import { markdownToPortableText, portableTextToMarkdown } from '../src/lib/body/portable-text-markdown.ts';

// The markdown -> Portable Text rules for constructs the round-trip corpus does not hold, each checked against the
// blocks written out by hand in a compact form: `style|listItem level: text{marks}` per block.

type Block = Record<string, unknown> & {
  _type: string;
  children?: { text: string; marks: string[] }[];
  markDefs?: { _key: string; href: string }[];
};

const compact = (markdown: string): string[] =>
  (markdownToPortableText(markdown, 'k') as unknown as Block[]).map((b) => {
    if (b._type === 'image') return `image ${String(b['src'])} alt=${String(b['alt'])} caption=${String(b['caption'])}`;
    if (b._type === 'table') return `table ${JSON.stringify((b['rows'] as { cells: string[] }[]).map((r) => r.cells))}`;
    const hrefs = new Map((b.markDefs ?? []).map((d) => [d._key, d.href]));
    const list = b['listItem'] ? ` ${String(b['listItem'])} ${String(b['level'])}` : '';
    const text = (b.children ?? [])
      .map((c) => (c.marks.length ? `${c.text}{${c.marks.map((m) => hrefs.get(m) ?? m).join(',')}}` : c.text))
      .join('');
    return `${String(b['style'])}${list}: ${text}`;
  });

describe('markdownToPortableText', () => {
  test('reference links and images use the first definition of a label; an undefined label is text', () => {
    expect(
      compact(
        'See [the report][r] and [nothing][missing].\n\n' +
          '![Chart][img]\n\n' +
          '![Gone][nowhere]\n\n' +
          '[r]: https://a.example/first\n[r]: https://a.example/second\n[img]: /images/c.png "The caption"\n',
      ),
    ).toEqual([
      'normal: See the report{https://a.example/first} and [nothing][missing].',
      'image /images/c.png alt=Chart caption=The caption',
      // Without a definition `![Gone][nowhere]` is no image (CommonMark): it stays text.
      'normal: ![Gone][nowhere]',
    ]);
  });

  test('an inline image keeps its title as caption; without a title it has none', () => {
    expect(compact('![A](/images/a.png "Cap")\n\n![B](/images/b.png)')).toEqual([
      'image /images/a.png alt=A caption=Cap',
      'image /images/b.png alt=B caption=undefined',
    ]);
  });

  test('footnote references keep their literal text, the definitions become paragraphs', () => {
    expect(compact('Claim[^1].\n\n[^1]: The source.')).toEqual(['normal: Claim[^1].', 'normal: The source.']);
  });

  test('a heading inside a list item or a quote keeps the container style', () => {
    expect(compact('- # Item heading\n\n> ### Quoted heading\n\n#### Deep')).toEqual([
      'normal bullet 1: Item heading',
      'blockquote: Quoted heading',
      'h4: Deep',
    ]);
  });

  test('a list item joins its paragraphs, code and other blocks with line breaks; text after a nested list is an item of its own', () => {
    expect(compact('1. First\n\n   ```\n   a\n\n   b\n   ```\n\n   > quoted\n\n   - nested\n\n   after\n')).toEqual([
      // Code in an item is one inline code span, its line breaks spaces.
      'normal number 1: First\na  b{code}\nquoted',
      'normal bullet 2: nested',
      'normal number 1: after',
    ]);
  });

  test('fenced code at the top level: one code span per line, empty lines as bare breaks', () => {
    const [block] = markdownToPortableText('```\none\n\nthree\n```', 'k') as unknown as Block[];
    expect(block?.children?.map((c) => [c.text, c.marks])).toEqual([
      ['one', ['code']],
      ['\n\n', []],
      ['three', ['code']],
    ]);
  });

  test('a table row shorter than the header is padded with empty cells, a longer one cut', () => {
    expect(compact('| a | b |\n| --- | --- |\n| 1 |\n| 1 | 2 | 3 |\n')).toEqual([
      'table [["a","b"],["1",""],["1","2"]]',
    ]);
  });

  test('a link with no text gets no mark definition', () => {
    expect(compact('Before [](https://x.example) after.')).toEqual(['normal: Before  after.']);
    const [block] = markdownToPortableText('Before [](https://x.example) after [b](https://b.example).', 'k');
    // The empty link takes no number: the one link left is the block's first.
    expect((block as unknown as Block).markDefs?.map((d) => [d._key.replace(/^.*-/, ''), d.href])).toEqual([
      ['l0', 'https://b.example'],
    ]);
  });
});

describe('markdownToPortableText, construct by construct', () => {
  test.each([
    // Images: a paragraph of images only is image blocks; an image inside text follows its text block.
    [
      '![A](/images/a.png "Cap") ![B](/images/b.png)\n',
      ['image /images/a.png alt=A caption=Cap', 'image /images/b.png alt=B caption=undefined'],
    ],
    ['Text ![A](/images/a.png) after\n', ['normal: Text  after', 'image /images/a.png alt=A caption=undefined']],
    ['![Empty]()\n', []],
    ['![No caption](/images/a.png "")\n', ['image /images/a.png alt=No caption caption=undefined']],
    ['- ![x](/images/a.png)\n', ['image /images/a.png alt=x caption=undefined']],
    // Raw HTML is its text, in block containers as a paragraph of its own; a comment alone is dropped.
    ['> Quoted <span>x</span>\n>\n> <!-- c -->\n', ['blockquote: Quoted <span>x</span>']],
    ['- item <b>bold</b>\n\n  <i>second</i>\n', ['normal bullet 1: item <b>bold</b>\n<i>second</i>']],
    ['A[^1] note.\n\n[^1]: The <b>foot</b>note.\n', ['normal: A[^1] note.', 'normal: The <b>foot</b>note.']],
    // Lists: levels as they render, a heading or code inside an item joins it with a hard break.
    [
      '- a\n  - b\n    - c\n- d\n\n1. one\n2. two\n',
      [
        'normal bullet 1: a',
        'normal bullet 2: b',
        'normal bullet 3: c',
        'normal bullet 1: d',
        'normal number 1: one',
        'normal number 1: two',
      ],
    ],
    ['- a\n\n  # Head\n\n- b\n', ['normal bullet 1: a\nHead', 'normal bullet 1: b']],
    ['- a\n\n      code\n      more\n', ['normal bullet 1: a\ncode more{code}']],
    ['- item\n\n  ```\n  c1\n  ```\n\n  after\n', ['normal bullet 1: item\nc1{code}\nafter']],
    ['1. a\n   - b\n2. c\n', ['normal number 1: a', 'normal bullet 2: b', 'normal number 1: c']],
    [
      '- a\n    - b\n- c\n  - d\n',
      ['normal bullet 1: a', 'normal bullet 2: b', 'normal bullet 1: c', 'normal bullet 2: d'],
    ],
    // An empty item is dropped, and the items under it rise to the level they render at.
    ['-\n  - b\n    - c\n', ['normal bullet 1: b', 'normal bullet 2: c']],
    ['- a\n\n> q\n\n- b\n  - c\n', ['normal bullet 1: a', 'blockquote: q', 'normal bullet 1: b', 'normal bullet 2: c']],
    ['1. a\n- b\n', ['normal number 1: a', 'normal bullet 1: b']],
    // Tables: as wide as their head row, cells as text.
    ['| a | b |\n| - | - |\n| 1 |\n| x<br>y | 2 |\n', ['table [["a","b"],["1",""],["x<br>y","2"]]']],
    // Text: soft breaks are spaces, hard breaks line breaks, marks merged and trimmed at the block's ends.
    ['Soft  \nhard\nsoft line   \n  next\n', ['normal: Soft\nhard soft line\nnext']],
    ['**Why it matters:** text\n', ['normal: Why it matters:{leadIn} text']],
    ['  **Zoom in:**  rest\n', ['normal: Zoom in:{leadIn}  rest']],
    ['**Not a lead-in** text: more\n', ['normal: Not a lead-in{strong} text: more']],
    ['*a*b**c**\n', ['normal: a{em}bc{strong}']],
    ['`code\nline`\n', ['normal: code line{code}']],
    ['```\nx\n\ny\n```\n', ['normal: x{code}\n\ny{code}']],
    ['a ~~b~~ c\n', ['normal: a b{strike-through} c']],
    ['***\n\ntext\n', ['normal: text']],
    ['# H1\n\n## H2\n\n### H3\n\n#### H4\n', ['h2: H1', 'h2: H2', 'h3: H3', 'h4: H4']],
  ])('%j', (markdown, blocks) => {
    expect(compact(markdown)).toEqual(blocks);
  });

  test('links are keyed in the order their text appears; a link without text gets no key', () => {
    const [block] = markdownToPortableText(
      'x [](https://e.example) [a](https://a.example) [b](https://b.example)\n',
      'k',
    );
    const key = block?._key ?? '';
    expect(key).toMatch(/^[0-9a-z]{7}-0$/);
    expect((block as unknown as Block).markDefs).toEqual([
      { _type: 'link', _key: `${key}-l0`, href: 'https://a.example' },
      { _type: 'link', _key: `${key}-l1`, href: 'https://b.example' },
    ]);
    expect((block as unknown as Block).children?.map((c) => [c.text, c.marks])).toEqual([
      ['x  ', []],
      ['a', [`${key}-l0`]],
      [' ', []],
      ['b', [`${key}-l1`]],
    ]);
  });
});

describe('portableTextToMarkdown', () => {
  test('no blocks is no text; a table delimiter row is written with three dashes', () => {
    expect(portableTextToMarkdown([])).toBe('');
    expect(
      portableTextToMarkdown([
        {
          _type: 'table',
          _key: 't',
          rows: [
            { _type: 'tableRow', _key: 'r0', cells: ['a', 'b'] },
            { _type: 'tableRow', _key: 'r1', cells: ['1', '2'] },
          ],
        },
      ]),
    ).toBe('| a | b |\n| --- | --- |\n| 1 | 2 |\n');
  });
});
