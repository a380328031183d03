import { describe, expect, test } from 'vitest';
import { markdownToPortableText } from '../src/lib/body/portable-text-markdown.ts';

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
