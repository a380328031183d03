// Story bodies are parsed by satteri (src/lib/body/markdown.ts) for speed; remark-parse + remark-gfm is the reference.
// The two must give the same HTML for every construct an editor can write, or the parser swap changed the site.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { toHtml } from 'hast-util-to-html';
import rehypeRaw from 'rehype-raw';
import remarkGfm from 'remark-gfm';
import remarkParse from 'remark-parse';
import remarkRehype from 'remark-rehype';
import { unified } from 'unified';
import { describe, expect, test } from 'vitest';
import { parseFrontMatter } from '../src/lib/sources/front-matter.ts';
import { markdownToHast } from '../src/lib/body/markdown.ts';

// The pipeline as it was before satteri: rehype-raw runs only on bodies with raw HTML, as in markdown.ts.
const reference = unified().use(remarkParse).use(remarkGfm).use(remarkRehype, { allowDangerousHtml: true });
const raw = unified().use(rehypeRaw);
const referenceHtml = (markdown: string) => {
  const mdast = reference.parse(markdown);
  const hast = reference.runSync(mdast);
  return toHtml(JSON.stringify(mdast).includes('"type":"html"') ? raw.runSync(hast) : hast);
};
const html = (markdown: string) => toHtml(markdownToHast(markdown));

const CASES: Record<string, string> = {
  'a body opening with ---': '---\ntitle: x\n---\n\nHello',
  'GFM autolink literals':
    'Visit https://example.com/path?q=1 now, www.example.com and foo@bar.com. (https://b.com) http://a.com. https://x.com/a_(b)',
  strikethrough: '~~strike~~ and ~one~',
  'table with alignment': '| a | b | c |\n|:-|-:|:-:|\n| 1 | 2 | 3 |\n| *x* | `y` | [z](/z/) |',
  'task list': '- [ ] task\n- [x] done',
  'footnotes, one used twice': 'Text[^1] and[^a] again[^a]\n\n[^1]: Note\n[^a]: Other *note*',
  'raw HTML blocks and inline': '<div>raw <b>html</b></div>\n\npara <i>x</i> and <span>inline</span> and </br>',
  'HTML comment': '<!-- comment -->\n\ntext',
  'labelled paragraph': '**Why it matters:** stuff\n\n**Zoom in:** more',
  headings: '# H1\n\n## H2 {#id}\n\nSetext\n===\n\nTwo\n---',
  'nested quotes': '> quote\n> > nested\n>\n> back',
  code: '```js\ncode <b>\n```\n\n    indented\n\n`code` ``a`b``',
  'hard breaks': 'a  \nb\\\nc',
  'links and images':
    '[link](http://x.com "t") ![img](http://x.com/a.png "T") ![](empty) ![a *b*](x.png) [![img](a.png)](http://l)',
  references: '[ref][1] and [x]\n\n[1]: http://x.com\n[x]: <>',
  autolink: '<http://auto.link> <mail@example.com>',
  lists: '1. one\n2. two\n\n3) three\n\n5. five\n\n- a\n\n- b\n\n- a\n- b\n  - c\n\n* * *',
  emphasis: 'x_y_z __bold__ ***bold italic*** \\*escaped\\* foo\n***\nbar',
  entities: '&amp; &copy; &#x27; &nbsp; &bogus;',
  'not enabled: math, directives, sub and superscript, wikilinks, definition lists, smart quotes':
    '$x$ H~2~O ^sup^ [[wiki]]\n\n:::note\nx\n:::\n\nTerm\n: def\n\na -- b --- c "quoted" ...',
  'line endings and control characters': 'line\r\nwin\rmac\ttab \u0000nul',
};

describe('the markdown parser gives the HTML remark gives', () => {
  test.each(Object.entries(CASES))('%s', (_, markdown) => {
    expect(html(markdown)).toBe(referenceHtml(markdown));
  });

  test('every body fixture and every story in content/', () => {
    const files = [
      ...readdirSync('test/fixtures/bodies')
        .map((f) => path.join('test/fixtures/bodies', f, 'input.md'))
        .filter((f) => existsSync(f)),
      ...readdirSync('content/stories')
        .filter((f) => f.endsWith('.md'))
        .map((f) => path.join('content/stories', f)),
    ];
    expect(files.length).toBeGreaterThan(10);
    for (const file of files) {
      const parsed = parseFrontMatter(readFileSync(file, 'utf8'));
      const body = 'content' in parsed ? parsed.content : '';
      expect(html(body), file).toBe(referenceHtml(body));
    }
  });
});
