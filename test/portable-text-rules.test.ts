// The rules of src/lib/body/portable-text.ts one at a time, each against HTML or problems written out by hand: how
// blocks, spans and marks render (before the sanitizer, so that what is checked is this module's output), how
// malformed input is cleaned, and what portableTextProblems reports.
import { toHtml } from 'hast-util-to-html';
import { describe, expect, test } from 'vitest';
import {
  MAX_LIST_LEVEL,
  MAX_SPAN_MARKS,
  portableTextProblems,
  portableTextToHast,
  portableTextToMdast,
} from '../src/lib/body/portable-text.ts';

const html = (blocks: unknown[]) => toHtml(portableTextToHast(blocks));

let keys = 0;
const span = (text: unknown, marks: unknown = []) => ({ _type: 'span', _key: `s${keys++}`, text, marks });
const block = (children: unknown[], extra: Record<string, unknown> = {}) => ({
  _type: 'block',
  _key: `b${keys++}`,
  style: 'normal',
  markDefs: [],
  children,
  ...extra,
});
const text = (value: string, extra: Record<string, unknown> = {}) => block([span(value)], extra);
const item = (value: string, listItem: unknown, level?: unknown) => text(value, { listItem, level });
const link = (key: string, href: unknown) => ({ _type: 'link', _key: key, href });

describe('portableTextToHast: blocks', () => {
  test('not a list of blocks renders nothing', () => {
    expect(html('text' as unknown as unknown[])).toBe('');
    expect(html({ length: 1, 0: text('a') } as unknown as unknown[])).toBe('');
  });

  test.each([
    ['h1', '<h1>x</h1>'],
    ['h2', '<h2>x</h2>'],
    ['h3', '<h3>x</h3>'],
    ['h4', '<h4>x</h4>'],
    ['h5', '<h5>x</h5>'],
    ['h6', '<h6>x</h6>'],
    ['h7', '<p>x</p>'],
    ['h0', '<p>x</p>'],
    ['xh2', '<p>x</p>'],
    ['h2x', '<p>x</p>'],
    ['normal', '<p>x</p>'],
    ['lead', '<p>x</p>'],
    [undefined, '<p>x</p>'],
    [2, '<p>x</p>'],
  ])('style %j renders %s', (style, expected) => {
    expect(html([text('x', { style })])).toBe(expected);
  });

  test('consecutive quote blocks are one quote; anything between starts another', () => {
    expect(html([text('a', { style: 'blockquote' }), text('b', { style: 'blockquote' })])).toBe(
      '<blockquote>\n<p>a</p>\n<p>b</p>\n</blockquote>',
    );
    expect(html([text('a', { style: 'blockquote' }), text('x'), text('b', { style: 'blockquote' })])).toBe(
      '<blockquote>\n<p>a</p>\n</blockquote>\n<p>x</p>\n<blockquote>\n<p>b</p>\n</blockquote>',
    );
  });

  test('a line break in a heading is a space, also inside marks', () => {
    expect(html([block([span('a\nb'), span('c\nd', ['em'])], { style: 'h3' })])).toBe('<h3>a b<em>c d</em></h3>');
    expect(html([block([span('a'), span('\n'), span('b')], { style: 'h3' })])).toBe('<h3>a b</h3>');
  });

  test('a line break elsewhere is a hard break, inside marks too', () => {
    expect(html([block([span('a\nb', ['em'])])])).toBe('<p><em>a<br>\nb</em></p>');
    expect(html([block([span('a\nb')], { style: 'blockquote' })])).toBe('<blockquote>\n<p>a<br>\nb</p>\n</blockquote>');
  });

  test('blocks without text are skipped', () => {
    expect(
      html([
        block([]),
        block([span('')]),
        block([span(' \t')]),
        block([span('\n\n')]),
        block([span(' '), span('\n'), span(' ')]),
        text('x'),
      ]),
    ).toBe('<p>x</p>');
  });

  test('leading and trailing whitespace and line breaks are trimmed; inner ones stay', () => {
    expect(html([block([span('\n'), span(' \n a'), span(' b '), span('\n\n')])])).toBe('<p>a b</p>');
    expect(html([block([span('\n'), span('  '), span('\n'), span('a\nb'), span('  '), span('\n')])])).toBe(
      '<p>a<br>\nb</p>',
    );
    expect(html([block([span(' a ', ['em'])])])).toBe('<p><em>a</em></p>');
  });

  test('unknown block types, and spans that are not spans or hold no text, are skipped', () => {
    expect(
      html([
        { _type: 'embed', html: '<iframe>' },
        { _type: 'block' },
        block([{ _type: 'image', text: 'not a span' }, null, 'x', span(5), span(null), span('a'), span('b')]),
      ]),
    ).toBe('<p>ab</p>');
  });
});

describe('portableTextToHast: lists', () => {
  test.each<[string, unknown[], string]>([
    ['bullets', [item('a', 'bullet'), item('b', 'bullet')], '<ul>\n<li>a</li>\n<li>b</li>\n</ul>'],
    ['numbers', [item('a', 'number'), item('b', 'number')], '<ol>\n<li>a</li>\n<li>b</li>\n</ol>'],
    ['any other type is a bullet', [item('a', 'check'), item('b', 'bullet')], '<ul>\n<li>a</li>\n<li>b</li>\n</ul>'],
    ['an empty type is no list', [item('a', ''), item('b', 'bullet')], '<p>a</p>\n<ul>\n<li>b</li>\n</ul>'],
    ['a type that is not text is no list', [item('a', 1)], '<p>a</p>'],
    [
      'a change of type at one level starts a sibling list',
      [item('a', 'bullet'), item('b', 'number'), item('c', 'bullet')],
      '<ul>\n<li>a</li>\n</ul>\n<ol>\n<li>b</li>\n</ol>\n<ul>\n<li>c</li>\n</ul>',
    ],
    [
      'a deeper level nests in the last item',
      [item('a', 'bullet', 1), item('b', 'bullet', 1), item('c', 'bullet', 2), item('d', 'bullet', 1)],
      '<ul>\n<li>a</li>\n<li>b\n<ul>\n<li>c</li>\n</ul>\n</li>\n<li>d</li>\n</ul>',
    ],
    [
      'a level skipped nests one list, not two',
      [item('a', 'bullet', 1), item('b', 'bullet', 3), item('c', 'bullet', 2)],
      '<ul>\n<li>a\n<ul>\n<li>b</li>\n</ul>\n<ul>\n<li>c</li>\n</ul>\n</li>\n</ul>',
    ],
    [
      'back out two levels at once',
      [item('a', 'number', 1), item('b', 'number', 2), item('c', 'number', 3), item('d', 'number', 1)],
      '<ol>\n<li>a\n<ol>\n<li>b\n<ol>\n<li>c</li>\n</ol>\n</li>\n</ol>\n</li>\n<li>d</li>\n</ol>',
    ],
    [
      'a list starting deep is at the top',
      [item('a', 'bullet', 3), item('b', 'bullet', 3)],
      '<ul>\n<li>a</li>\n<li>b</li>\n</ul>',
    ],
    [
      'levels are whole numbers from 1: others are 1, fractions round down',
      [item('a', 'bullet', 0), item('b', 'bullet', -2), item('c', 'bullet', '2'), item('d', 'bullet', Number.NaN)],
      '<ul>\n<li>a</li>\n<li>b</li>\n<li>c</li>\n<li>d</li>\n</ul>',
    ],
    [
      'level 2.9 is level 2',
      [item('a', 'bullet', 1), item('b', 'bullet', 2.9), item('c', 'bullet', 2)],
      '<ul>\n<li>a\n<ul>\n<li>b</li>\n<li>c</li>\n</ul>\n</li>\n</ul>',
    ],
    [
      'a paragraph ends the list',
      [item('a', 'bullet'), text('p'), item('b', 'bullet')],
      '<ul>\n<li>a</li>\n</ul>\n<p>p</p>\n<ul>\n<li>b</li>\n</ul>',
    ],
    [
      'an image ends the list',
      [item('a', 'bullet'), { _type: 'image', src: '/a.png', alt: '' }, item('b', 'bullet')],
      '<ul>\n<li>a</li>\n</ul>\n<p><img src="/a.png" alt=""></p>\n<ul>\n<li>b</li>\n</ul>',
    ],
    [
      'a table ends the list',
      [item('a', 'bullet'), { _type: 'table', rows: [{ cells: ['h'] }] }, item('b', 'bullet')],
      '<ul>\n<li>a</li>\n</ul>\n<table>\n<thead>\n<tr>\n<th>h</th>\n</tr>\n</thead>\n</table>\n<ul>\n<li>b</li>\n</ul>',
    ],
    [
      'an empty table, an image without src and an empty block do not',
      [
        item('a', 'bullet'),
        { _type: 'table', rows: [] },
        { _type: 'image', alt: 'x' },
        block([]),
        { _type: 'unknown' },
        item('b', 'bullet'),
      ],
      '<ul>\n<li>a</li>\n<li>b</li>\n</ul>',
    ],
    [
      'a quote ends the list',
      [item('a', 'bullet'), text('q', { style: 'blockquote' }), item('b', 'bullet')],
      '<ul>\n<li>a</li>\n</ul>\n<blockquote>\n<p>q</p>\n</blockquote>\n<ul>\n<li>b</li>\n</ul>',
    ],
  ])('%s', (_, blocks, expected) => {
    expect(html(blocks)).toBe(expected);
  });

  test('lists are tight, and numbered lists start at 1', () => {
    const [bullets, numbers] = portableTextToMdast([
      item('a', 'bullet'),
      text('p'),
      item('b', 'number'),
    ]).children.filter((node) => node.type === 'list');
    expect(bullets).toEqual({
      type: 'list',
      ordered: false,
      start: null,
      spread: false,
      children: [
        {
          type: 'listItem',
          spread: false,
          checked: null,
          children: [{ type: 'paragraph', children: [{ type: 'text', value: 'a' }] }],
        },
      ],
    });
    expect(numbers).toMatchObject({ ordered: true, start: 1, spread: false });
  });
});

describe('portableTextToHast: images and tables', () => {
  test.each<[string, Record<string, unknown>, string]>([
    ['alt and caption', { src: '/a.png', alt: 'A', caption: 'Cap' }, '<p><img src="/a.png" alt="A" title="Cap"></p>'],
    ['no alt', { src: '/a.png' }, '<p><img src="/a.png" alt=""></p>'],
    ['an alt that is not text', { src: '/a.png', alt: 5 }, '<p><img src="/a.png" alt=""></p>'],
    ['a blank caption', { src: '/a.png', alt: 'A', caption: ' \t' }, '<p><img src="/a.png" alt="A"></p>'],
    ['a caption that is not text', { src: '/a.png', alt: 'A', caption: 5 }, '<p><img src="/a.png" alt="A"></p>'],
    ['spaces around src', { src: '  /a.png\n', alt: 'A' }, '<p><img src="/a.png" alt="A"></p>'],
    [
      'a caption keeps its spaces',
      { src: '/a.png', alt: 'A', caption: ' c ' },
      '<p><img src="/a.png" alt="A" title=" c "></p>',
    ],
    ['no src', { alt: 'A' }, ''],
    ['a blank src', { src: ' ', alt: 'A' }, ''],
    ['a src that is not text', { src: 5, alt: 'A' }, ''],
  ])('an image with %s', (_, fields, expected) => {
    expect(html([{ _type: 'image', ...fields }])).toBe(expected);
  });

  test('a table: the first row is the header, and fixes the column count', () => {
    expect(
      html([
        {
          _type: 'table',
          rows: [{ cells: ['h1', 'h2'] }, { cells: ['a', 'b', 'dropped'] }, { cells: ['c'] }, { cells: [] }],
        },
      ]),
    ).toBe(
      '<table>\n<thead>\n<tr>\n<th>h1</th>\n<th>h2</th>\n</tr>\n</thead>\n<tbody>\n' +
        '<tr>\n<td>a</td>\n<td>b</td>\n</tr>\n<tr>\n<td>c</td>\n<td></td>\n</tr>\n<tr>\n<td></td>\n<td></td>\n</tr>\n' +
        '</tbody>\n</table>',
    );
  });

  test('a cell is one line of text, without surrounding spaces; a cell that is not text is empty', () => {
    const cells = (row: unknown[]) => {
      const [table] = portableTextToMdast([{ _type: 'table', rows: [{ cells: row }] }]).children;
      return table?.type === 'table'
        ? table.children[0]?.children.map((cell) =>
            cell.children.map((t) => (t.type === 'text' ? t.value : '')).join(''),
          )
        : undefined;
    };
    expect(cells([' a\r\n b ', 'c \n\n\td', '\te\t', 'f  g', '\n', 5, null, 'h', ' \t i \t '])).toEqual([
      'a b',
      'c d',
      'e',
      'f  g',
      '',
      '',
      '',
      'h',
      'i',
    ]);
    const [table] = portableTextToMdast([{ _type: 'table', rows: [{ cells: ['', 'x'] }] }]).children;
    expect(table).toEqual({
      type: 'table',
      align: [null, null],
      children: [
        {
          type: 'tableRow',
          children: [
            { type: 'tableCell', children: [] },
            { type: 'tableCell', children: [{ type: 'text', value: 'x' }] },
          ],
        },
      ],
    });
  });

  test.each<[string, unknown]>([
    ['no rows', { _type: 'table' }],
    ['rows that are not a list', { _type: 'table', rows: 'x' }],
    ['an empty list of rows', { _type: 'table', rows: [] }],
    ['a header row without cells', { _type: 'table', rows: [{ cells: [] }, { cells: ['a'] }] }],
    ['a header row that is not a row', { _type: 'table', rows: ['x', { cells: ['a'] }] }],
    ['a header row whose cells are not a list', { _type: 'table', rows: [{ cells: 'a' }, { cells: ['a'] }] }],
  ])('a table with %s renders nothing', (_, table) => {
    expect(html([table])).toBe('');
  });
});

describe('portableTextToHast: marks', () => {
  test.each<[string, unknown[], string]>([
    ['strong', ['strong'], '<strong>x</strong>'],
    ['leadIn', ['leadIn'], '<strong>x</strong>'],
    ['em', ['em'], '<em>x</em>'],
    ['strike-through', ['strike-through'], '<del>x</del>'],
    ['code', ['code'], '<code>x</code>'],
    ['an unknown mark', ['underline'], 'x'],
    ['marks that are not text', [5, null, 'em'], '<em>x</em>'],
    ['a repeated mark', ['em', 'em'], '<em>x</em>'],
    ['a link', ['l'], '<a href="https://e.com/a">x</a>'],
    ['a link key without a definition', ['nope'], 'x'],
    ['a link with an href that is not text', ['bad'], 'x'],
    ['code inside em', ['em', 'code'], '<em><code>x</code></em>'],
    ['em and strong', ['em', 'strong'], '<em><strong>x</strong></em>'],
    ['strong and em', ['strong', 'em'], '<strong><em>x</em></strong>'],
    ['three marks', ['strike-through', 'em', 'strong'], '<del><em><strong>x</strong></em></del>'],
    ['three marks, reversed', ['strong', 'em', 'strike-through'], '<strong><em><del>x</del></em></strong>'],
    ['strong and a link', ['strong', 'l'], '<strong><a href="https://e.com/a">x</a></strong>'],
    ['a link and strong', ['l', 'strong'], '<a href="https://e.com/a"><strong>x</strong></a>'],
  ])('%s', (_, marks, inner) => {
    const markDefs = [link('l', ' https://e.com/a '), link('bad', 5)];
    expect(html([block([span('x', marks)], { markDefs })])).toBe(`<p>${inner}</p>`);
  });

  test('marks that are not a list are none', () => {
    expect(html([block([span('x', 'strong')])])).toBe('<p>x</p>');
  });

  test('code marks the text inside other marks, and a link inside code keeps its code', () => {
    const markDefs = [link('l', 'https://e.com/')];
    expect(html([block([span('a', ['code', 'em']), span('b', ['code', 'l'])], { markDefs })])).toBe(
      '<p><em><code>a</code></em><a href="https://e.com/"><code>b</code></a></p>',
    );
  });

  test('mark definitions without a key or a type are ignored', () => {
    const markDefs = [{ _key: 'l', href: 'https://e.com/' }, { _type: 'link', href: 'https://e.com/' }, null];
    expect(html([block([span('x', ['l'])], { markDefs })])).toBe('<p>x</p>');
    expect(html([block([span('x', ['l'])], { markDefs: 'l' })])).toBe('<p>x</p>');
  });

  test('marks over part of the text nest inside the longer ones', () => {
    expect(html([block([span('a ', ['strong']), span('b', ['strong', 'em']), span(' c')])])).toBe(
      '<p><strong>a <em>b</em></strong> c</p>',
    );
  });

  test('one mark over spans with other marks is one element', () => {
    expect(html([block([span('a', ['em', 'strong']), span('b', ['strong'])])])).toBe(
      '<p><strong><em>a</em>b</strong></p>',
    );
  });

  test('adjacent texts merge into one text node', () => {
    const tree = portableTextToMdast([block([span('a', ['nope']), span('b'), span('c', ['other'])])]);
    expect(tree.children).toEqual([{ type: 'paragraph', children: [{ type: 'text', value: 'abc' }] }]);
  });
});

describe('portableTextToHast: whitespace at the edges of emphasis moves outside it', () => {
  test.each<[string, unknown[], string]>([
    ['a trailing space', [span('Why: ', ['strong']), span('x')], '<p><strong>Why:</strong> x</p>'],
    ['a leading space', [span('x'), span(' y', ['em'])], '<p>x <em>y</em></p>'],
    ['both', [span('x'), span(' \ty\t ', ['strike-through']), span('z')], '<p>x \t<del>y</del>\t z</p>'],
    ['only spaces', [span('x'), span('  ', ['strong']), span('y')], '<p>x  y</p>'],
    [
      'a space before a nested mark',
      [span('x'), span(' ', ['strong']), span('y', ['strong', 'em'])],
      '<p>x <strong><em>y</em></strong></p>',
    ],
    [
      'a space after a nested mark',
      [span('y', ['strong', 'em']), span(' ', ['strong']), span('x')],
      '<p><strong><em>y</em></strong> x</p>',
    ],
    ['a line break stays inside', [span('a'), span('b\n', ['em']), span('c')], '<p>a<em>b<br>\n</em>c</p>'],
  ])('%s', (_, children, expected) => {
    expect(html([block(children)])).toBe(expected);
  });

  test('inline code keeps its spaces', () => {
    expect(html([block([span('x'), span(' y ', ['code']), span('z')])])).toBe('<p>x<code> y </code>z</p>');
  });
});

describe('portableTextToHast: URLs in text', () => {
  test('a URL, a www. address and an e-mail address in text are links', () => {
    expect(html([text('See https://e.com/a, www.e.com and a@e.com.')])).toBe(
      '<p>See <a href="https://e.com/a">https://e.com/a</a>, <a href="http://www.e.com">www.e.com</a> and <a href="mailto:a@e.com">a@e.com</a>.</p>',
    );
  });
});

describe('portableTextProblems', () => {
  const format = (blocks: unknown[]) =>
    portableTextProblems(blocks).map(
      (p) => `${p.path.map((s) => (typeof s === 'number' ? `[${s}]` : `.${s}`)).join('')}: ${p.message}`,
    );

  test('the limits are the documented numbers', () => {
    expect([MAX_LIST_LEVEL, MAX_SPAN_MARKS]).toEqual([16, 16]);
  });

  test('well-formed blocks of every kind have no problems', () => {
    expect(
      format([
        text('a'),
        text('a', { listItem: 'bullet', level: 1 }),
        text('a', { listItem: 'number', level: 16 }),
        block([
          span(
            'a',
            Array.from({ length: 16 }, (_, i) => `m${i}`),
          ),
        ]),
        block([span('a', ['l'])], { markDefs: [link('l', 'https://e.com/')] }),
        block([span('a')], { markDefs: [{ _type: 'link', _key: 'l' }] }),
        block([{ _type: 'span', text: 'no marks' }]),
        block([{ _type: 'mention', id: 5 }]),
        { _type: 'block', children: [] },
        { _type: 'image', src: '/a.png', alt: 'A', caption: 'C' },
        { _type: 'image', src: 'https://e.com/a.png' },
        { _type: 'image', src: ' ' },
        { _type: 'image' },
        { _type: 'table' },
        { _type: 'table', rows: [] },
        { _type: 'table', rows: [{ cells: [] }, { cells: ['a', ''] }] },
        { _type: 'video' },
      ]),
    ).toEqual([]);
  });

  test.each<[string, unknown, string[]]>([
    ['a block that is not an object', null, ['[0]: expected a block (an object with a _type), received null']],
    ['a list', [], ['[0]: expected a block (an object with a _type), received a list of 0']],
    ['a string', 'x', ['[0]: expected a block (an object with a _type), received "x"']],
    ['no _type', {}, ['[0]._type: expected a block (an object with a _type), received nothing']],
    ['a _type that is not text', { _type: 5 }, ['[0]._type: expected a block (an object with a _type), received 5']],
    ['a style that is not text', text('a', { style: 2 }), ['[0].style: expected text, received 2']],
    ['a list type that is not text', text('a', { listItem: true }), ['[0].listItem: expected text, received true']],
    ['level 0', text('a', { level: 0 }), ['[0].level: expected a list level from 1 to 16, received 0']],
    ['level 17', text('a', { level: 17 }), ['[0].level: expected a list level from 1 to 16, received 17']],
    ['level 1.5', text('a', { level: 1.5 }), ['[0].level: expected a list level from 1 to 16, received 1.5']],
    ['level "2"', text('a', { level: '2' }), ['[0].level: expected a list level from 1 to 16, received "2"']],
    ['level null', text('a', { level: null }), ['[0].level: expected a list level from 1 to 16, received null']],
    [
      'markDefs not a list',
      text('a', { markDefs: {} }),
      ['[0].markDefs: expected a list of mark definitions, received an object'],
    ],
    [
      'a mark definition without a _key',
      text('a', { markDefs: [{ _type: 'link' }] }),
      ['[0].markDefs[0]: expected a mark definition with a _key and a _type, received an object'],
    ],
    [
      'a mark definition without a _type',
      text('a', { markDefs: [{ _key: 'l' }] }),
      ['[0].markDefs[0]: expected a mark definition with a _key and a _type, received an object'],
    ],
    [
      'a mark definition that is not an object',
      text('a', { markDefs: ['l'] }),
      ['[0].markDefs[0]: expected a mark definition with a _key and a _type, received "l"'],
    ],
    [
      'an href that is not text',
      text('a', { markDefs: [link('l', 1)] }),
      ['[0].markDefs[0].href: expected text, received 1'],
    ],
    ['no children', { _type: 'block' }, ['[0].children: expected a list of spans, received nothing']],
    [
      'children not a list',
      block('x' as unknown as unknown[]),
      ['[0].children: expected a list of spans, received "x"'],
    ],
    [
      'a child that is not an object',
      block([7]),
      ['[0].children[0]: expected a span (an object with a _type), received 7'],
    ],
    [
      'a child without _type',
      block([{ text: 'x' }]),
      ['[0].children[0]._type: expected a span (an object with a _type), received nothing'],
    ],
    ['a span without text', block([{ _type: 'span' }]), ['[0].children[0].text: expected text, received nothing']],
    [
      'marks not a list',
      block([span('a', {})]),
      ['[0].children[0].marks: expected a list of mark names, received an object'],
    ],
    [
      'a mark that is not text',
      block([span('a', ['em', 3])]),
      ['[0].children[0].marks: expected a list of mark names, received a list of 2'],
    ],
    [
      '17 marks',
      block([
        span(
          'a',
          Array.from({ length: 17 }, (_, i) => `m${i}`),
        ),
      ]),
      ['[0].children[0].marks: expected at most 16 marks, received a list of 17'],
    ],
    ['an image src that is not text', { _type: 'image', src: 5 }, ['[0].src: expected text, received 5']],
    [
      'an image alt that is not text',
      { _type: 'image', src: '/a.png', alt: 5 },
      ['[0].alt: expected text, received 5'],
    ],
    [
      'an image caption that is not text',
      { _type: 'image', src: '/a.png', caption: [] },
      ['[0].caption: expected text, received a list of 0'],
    ],
    [
      'an image src that is no image URL',
      { _type: 'image', src: ' ftp://e.com/a.png ' },
      ['[0].src: expected a site path like /images/photo.jpg or an https:// URL, received " ftp://e.com/a.png "'],
    ],
    [
      'table rows that are not a list',
      { _type: 'table', rows: 'x' },
      ['[0].rows: expected a list of rows, received "x"'],
    ],
    [
      'a row that is not an object',
      { _type: 'table', rows: [null] },
      ['[0].rows[0]: expected a row with a list of cells, received null'],
    ],
    [
      'a row without cells',
      { _type: 'table', rows: [{}] },
      ['[0].rows[0]: expected a row with a list of cells, received nothing'],
    ],
    [
      'a cell that is not text',
      { _type: 'table', rows: [{ cells: ['a', 2] }] },
      ['[0].rows[0].cells[1]: expected text, received 2'],
    ],
  ])('%s', (_, value, problems) => {
    expect(format([value])).toEqual(problems);
  });

  test('every problem of a block is reported, at its own index', () => {
    expect(
      format([
        text('fine'),
        {
          _type: 'block',
          style: 1,
          listItem: 2,
          level: 0,
          markDefs: [null, link('l', 3)],
          children: [null, { _type: 'span', text: 4, marks: [5] }],
        },
        { _type: 'table', rows: [{ cells: [1, 'a', 2] }, null] },
      ]),
    ).toEqual([
      '[1].style: expected text, received 1',
      '[1].listItem: expected text, received 2',
      '[1].level: expected a list level from 1 to 16, received 0',
      '[1].markDefs[0]: expected a mark definition with a _key and a _type, received null',
      '[1].markDefs[1].href: expected text, received 3',
      '[1].children[0]: expected a span (an object with a _type), received null',
      '[1].children[1].text: expected text, received 4',
      '[1].children[1].marks: expected a list of mark names, received a list of 1',
      '[2].rows[0].cells[0]: expected text, received 1',
      '[2].rows[0].cells[2]: expected text, received 2',
      '[2].rows[1]: expected a row with a list of cells, received null',
    ]);
  });

  test('at most 20 problems are reported: the first 20', () => {
    const problems = portableTextProblems(Array.from({ length: 25 }, (_, i) => i));
    expect(problems.map((p) => p.path)).toEqual(Array.from({ length: 20 }, (_, i) => [i]));
    expect(portableTextProblems(Array.from({ length: 20 }, () => null))).toHaveLength(20);
  });
});
