// The rules of src/lib/body/markdown.ts at their edges: the limits that bound parsing a markdown body (each checked
// one below and one above, with the counts worked out by hand), and the two fixes markdownToHast makes to the
// parser's tree (table cell alignment, raw HTML parsed into elements).
import type { Root, RootContent } from 'hast';
import { describe, expect, test } from 'vitest';
import {
  markdownProblems,
  markdownToHast,
  MAX_BODY_LINES,
  MAX_BODY_MARKERS,
  MAX_HTML_NESTING,
  MAX_MARKDOWN_NESTING,
  MAX_PARAGRAPH_MARKERS,
} from '../src/lib/body/markdown.ts';

const messages = (markdown: string) => markdownProblems(markdown).map((p) => p.message);
const nestingProblem = (line: number) => `line ${line} nests quotes or lists more than 8 levels deep`;
const paragraphProblem = (line: number) =>
  `the paragraph at line ${line} holds more than 2000 link, emphasis, code or HTML markers ([ * _ \` < ~)`;
const bodyProblem = (count: string) =>
  `the body holds ${count} link, emphasis, code, HTML or table markers ([ * _ \` < ~ |), over the limit of 20,000`;

describe('markdownProblems: the limits', () => {
  test('the limits are the documented numbers', () => {
    expect([MAX_MARKDOWN_NESTING, MAX_HTML_NESTING, MAX_PARAGRAPH_MARKERS, MAX_BODY_MARKERS, MAX_BODY_LINES]).toEqual([
      8, 64, 2000, 20_000, 5000,
    ]);
  });

  test('an empty body has no problems', () => {
    expect(messages('')).toEqual([]);
  });
});

describe('markdownProblems: lines', () => {
  test.each([
    ['\n', 5000, []],
    ['\r\n', 5000, []],
    ['\r', 5000, []],
    ['\n', 5001, ['the body has 5,001 lines, over the limit of 5,000']],
    ['\r\n', 5002, ['the body has 5,002 lines, over the limit of 5,000']],
  ])('%j between %i lines', (separator, count, problems) => {
    expect(messages(Array.from({ length: count }, () => 'x').join(separator))).toEqual(problems);
  });

  test('a body over the line limit is not scanned further', () => {
    const deep = `${'> '.repeat(20)}x`;
    expect(messages([deep, ...Array.from({ length: 5000 }, () => 'x'), '<b>'.repeat(70)].join('\n'))).toEqual([
      'the body has 5,002 lines, over the limit of 5,000',
    ]);
  });
});

describe('markdownProblems: quotes and lists nested too deeply', () => {
  test.each([
    // Each `>` is one level.
    ['> '.repeat(8) + 'x', 0],
    ['> '.repeat(9) + 'x', 9],
    ['>'.repeat(9) + 'x', 9],
    ['>'.repeat(8) + 'x', 0],
    // Each list marker is one level: -, *, +, 1. and 1).
    ['- '.repeat(8) + 'x', 0],
    ['- '.repeat(9) + 'x', 9],
    ['* '.repeat(9) + 'x', 9],
    ['+ '.repeat(9) + 'x', 9],
    ['1. '.repeat(9) + 'x', 9],
    ['1) '.repeat(9) + 'x', 9],
    ['123456789. '.repeat(9) + 'x', 9],
    // Ten digits is no list marker.
    ['1234567890. '.repeat(9) + 'x', 0],
    // A marker needs a space or tab after it, or the end of the line.
    ['-'.repeat(20), 0],
    ['- '.repeat(8) + '-', 9],
    ['-\t'.repeat(9) + 'x', 9],
    // The spaces after a list marker belong to it.
    ['-     '.repeat(8) + 'x', 0],
    ['1.x '.repeat(9), 0],
    // Every two columns of indentation are one more level; a tab is four columns.
    [' '.repeat(14) + '- x', 0],
    [' '.repeat(15) + '- x', 0],
    [' '.repeat(16) + '- x', 9],
    ['\t'.repeat(3) + '   - x', 0],
    ['\t'.repeat(3) + '    - x', 9],
    ['\t \t \t- x', 0],
    ['\t \t \t  - x', 9],
    // A quote marker takes one space with it.
    ['> '.repeat(4) + ' '.repeat(6) + '- x', 0],
    ['> '.repeat(4) + ' '.repeat(8) + '- x', 9],
    ['>' + '  '.repeat(8) + 'x', 0],
    // Text after the markers is no nesting, however it starts.
    ['> '.repeat(8) + 'x > > > > >', 0],
    ['x ' + '> '.repeat(20), 0],
    ['a' + '> '.repeat(20), 0],
  ])('%j: reported at line 1 when %i > 8', (line, depth) => {
    expect(messages(line)).toEqual(depth > 8 ? [nestingProblem(1)] : []);
  });

  test('only the first line too deep is reported, with its number', () => {
    const deep = '> '.repeat(9) + 'x';
    expect(messages(['a', '', deep, deep, '', deep].join('\n'))).toEqual([nestingProblem(3)]);
  });

  test('indentation inside fenced code nests nothing', () => {
    expect(messages(['```', ' '.repeat(40) + '- x', '```'].join('\n'))).toEqual([]);
  });
});

describe('markdownProblems: inline markers in a paragraph', () => {
  test.each(['[', '*', '_', '`', '<', '~'])('%j is a marker: 2000 in a paragraph pass, 2001 do not', (marker) => {
    // Spaces keep the markers from forming fences, and `a` keeps them from being HTML tags.
    const run = (n: number) => `x ${`${marker}a `.repeat(n)}`;
    expect(messages(run(2000))).toEqual([]);
    expect(messages(run(2001))).toEqual([paragraphProblem(1)]);
  });

  test('other characters are no markers', () => {
    expect(messages('x ' + '(a]!#>-+=\\'.repeat(2001))).toEqual([]);
  });

  test('a paragraph runs over lines and ends at a blank or whitespace-only line', () => {
    const half = 'x ' + '*a '.repeat(1000);
    expect(messages([half, half].join('\n'))).toEqual([]);
    expect(messages([half, half + '*'].join('\n'))).toEqual([paragraphProblem(1)]);
    expect(messages([half, ' \t ', half + '*'].join('\n'))).toEqual([]);
    expect(messages(['intro', '', '', half, half + '*'].join('\n'))).toEqual([paragraphProblem(4)]);
  });

  test('only the first paragraph over the limit is reported, and then not the body total', () => {
    const over = 'x ' + '*a '.repeat(2001);
    expect(messages(Array.from({ length: 12 }, () => over).join('\n\n'))).toEqual([paragraphProblem(1)]);
  });

  test('table bars count for the body, not the paragraph', () => {
    expect(messages('x ' + '|'.repeat(2500))).toEqual([]);
  });

  test.each([
    ['```', '```'],
    ['~~~', '~~~'],
    ['   ```js', '```'],
    ['````', '`````'],
  ])('fenced code opened by %j and closed by %j is literal text', (open, close) => {
    const body = [open, 'x ' + '[a '.repeat(3000), close, 'after'].join('\n');
    expect(messages(body)).toEqual([]);
    // After the fence closes, markers count again.
    expect(messages(`${body}\n${'x ' + '[a '.repeat(2001)}`)).toEqual([paragraphProblem(4)]);
  });

  test.each([
    ['```', '~~~'],
    ['~~~', '```'],
    ['````', '```'],
  ])('a fence opened by %j is not closed by %j', (open, close) => {
    expect(messages([open, close, 'x ' + '[a '.repeat(3000), open].join('\n'))).toEqual([]);
  });

  test('a fence indented four spaces is no fence: its markers count', () => {
    expect(messages(['    ```', 'x ' + '[a '.repeat(2001), '    ```'].join('\n'))).toEqual([paragraphProblem(1)]);
  });

  test('two backticks or tildes are no fence', () => {
    expect(messages(['``', 'x ' + '[a '.repeat(2001), '``'].join('\n'))).toEqual([paragraphProblem(1)]);
    expect(messages(['~~', 'x ' + '[a '.repeat(2001), '~~'].join('\n'))).toEqual([paragraphProblem(1)]);
  });
});

describe('markdownProblems: markers in the whole body', () => {
  // Paragraphs of 1,000 markers each (`x ` then `*a ` 1,000 times), separated by blank lines.
  const paragraphs = (n: number, extra = '') =>
    Array.from({ length: n }, () => 'x ' + '*a '.repeat(1000)).join('\n\n') + extra;

  test.each([
    [paragraphs(20), []],
    [paragraphs(20, '\n\n*'), [bodyProblem('20,001')]],
    [paragraphs(20, '\n\n|'), [bodyProblem('20,001')]],
    [paragraphs(20, '\n\n| a | b |'), [bodyProblem('20,003')]],
    [paragraphs(20, '\n\n[ ~ _ ` <'), [bodyProblem('20,005')]],
  ])('%#', (markdown, problems) => {
    expect(messages(markdown)).toEqual(problems);
  });

  test('markers in fenced code do not count', () => {
    expect(messages(paragraphs(20, '\n\n```\n| * |\n```'))).toEqual([]);
  });
});

describe('markdownProblems: raw HTML nested too deeply', () => {
  const htmlProblem = (depth: number) => `raw HTML elements nest ${depth} levels deep, over the limit of 64`;

  test.each([
    ['<b>'.repeat(64), []],
    ['<b>'.repeat(65), [htmlProblem(65)]],
    ['<B>'.repeat(65), [htmlProblem(65)]],
    ['<my-el>'.repeat(65), [htmlProblem(65)]],
    ['<h1 class="x">'.repeat(65), [htmlProblem(65)]],
    // Closed elements do not add up.
    ['<b></b>'.repeat(100), []],
    ['<b>'.repeat(64) + '</b><b>', []],
    ['<b>'.repeat(64) + '</b><b><b>', [htmlProblem(65)]],
    // A stray closing tag cannot make room for more.
    ['</b>'.repeat(10) + '<b>'.repeat(64), []],
    ['</b>'.repeat(10) + '<b>'.repeat(65), [htmlProblem(65)]],
    // Void and self-closing tags do not nest, whatever their case.
    ['<br>'.repeat(100), []],
    ['<BR>'.repeat(100), []],
    ['<img src="/a.png">'.repeat(100), []],
    [
      ['area', 'base', 'col', 'embed', 'hr', 'input', 'link', 'meta', 'source', 'track', 'wbr']
        .map((t) => `<${t}>`)
        .join('')
        .repeat(10),
      [],
    ],
    ['<b/>'.repeat(100), []],
    ['<b class="x" />'.repeat(100), []],
    // Not tags: no letter after `<`, or a `<` inside.
    ['< b>'.repeat(100), []],
    ['<1b>'.repeat(100), []],
  ])('case %#', (markdown, problems) => {
    expect(messages(markdown)).toEqual(problems);
  });

  test('HTML and other problems are all reported, in order', () => {
    const body = ['> '.repeat(9) + 'x', '', '<b>'.repeat(65)].join('\n');
    expect(messages(body)).toEqual([nestingProblem(1), htmlProblem(65)]);
  });

  test('each problem says what to do', () => {
    const body = ['> '.repeat(9) + 'x', '', 'x ' + '*a '.repeat(2001), '', '<b>'.repeat(65)].join('\n');
    expect(markdownProblems(body).map((p) => p.hint)).toEqual([
      'flatten the quotes or lists',
      'split it into paragraphs with blank lines, or put literal text in a fenced code block',
      'flatten the HTML',
    ]);
    expect(markdownProblems(Array.from({ length: 5001 }, () => 'x').join('\n'))[0]?.hint).toBe(
      'split the story, or its lists and tables',
    );
    expect(markdownProblems(Array.from({ length: 21 }, () => 'x ' + '*a '.repeat(1000)).join('\n\n'))[0]?.hint).toBe(
      'split the story or its tables, or put literal text in fenced code blocks',
    );
  });
});

/** The elements of a tree, in document order, as `tag[property=value,…]`. */
function elements(tree: Root): string[] {
  const out: string[] = [];
  const walk = (node: Root | RootContent) => {
    if (node.type === 'element') {
      const props = Object.entries(node.properties).map(([k, v]) => `${k}=${String(v)}`);
      out.push(props.length ? `${node.tagName}[${props.join(',')}]` : node.tagName);
    }
    if ('children' in node) node.children.forEach(walk);
  };
  walk(tree);
  return out;
}

describe('markdownToHast', () => {
  test('table cell alignment becomes the align attribute', () => {
    expect(elements(markdownToHast('| a | b | c | d |\n|:-|-:|:-:|-|\n| 1 | 2 | 3 | 4 |'))).toEqual([
      'table',
      'thead',
      'tr',
      'th[align=left]',
      'th[align=right]',
      'th[align=center]',
      'th',
      'tbody',
      'tr',
      'td[align=left]',
      'td[align=right]',
      'td[align=center]',
      'td',
    ]);
  });

  test('raw HTML cells keep their style: only the parser’s own cells are touched', () => {
    expect(
      elements(
        markdownToHast(
          '<table><tr><td style="text-align: left">a</td><th style="text-align:right">b</th><td style="color: red">c</td></tr></table>',
        ),
      ),
    ).toEqual([
      'table',
      'tbody',
      'tr',
      'td[style=text-align: left]',
      'th[style=text-align:right]',
      'td[style=color: red]',
    ]);
  });

  test('raw HTML becomes elements, at the top level and inside paragraphs, lists and quotes', () => {
    expect(elements(markdownToHast('<div>a</div>'))).toEqual(['div']);
    expect(elements(markdownToHast('a <i>b</i>'))).toEqual(['p', 'i']);
    expect(elements(markdownToHast('- a <i>b</i>'))).toEqual(['ul', 'li', 'i']);
    expect(elements(markdownToHast('> - a <i>b</i>'))).toEqual(['blockquote', 'ul', 'li', 'i']);
    expect(JSON.stringify(markdownToHast('> - a <i>b</i>'))).not.toContain('"raw"');
  });

  test('a table with raw HTML in a cell gets both fixes', () => {
    expect(elements(markdownToHast('| a |\n|:-:|\n| <i>b</i> |'))).toEqual([
      'table',
      'thead',
      'tr',
      'th[align=center]',
      'tbody',
      'tr',
      'td[align=center]',
      'i',
    ]);
  });

  test('U+0000 becomes U+FFFD, as CommonMark says', () => {
    expect(JSON.stringify(markdownToHast('a\0b\0c'))).toContain('"a\uFFFDb\uFFFDc"');
  });
});
