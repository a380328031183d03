import type { Element, Root, RootContent } from 'hast';
import rehypeRaw from 'rehype-raw';
import { markdownToHast as parseToHast } from 'satteri';
import { unified } from 'unified';

// Markdown is parsed by satteri (the Rust CommonMark + GFM parser Astro 7 renders markdown with) straight to hast,
// about ten times faster than remark-parse + remark-gfm + remark-rehype and giving the same tree:
// test/markdown-parser.test.ts holds the two to the same HTML. No front matter (the story file's was already split
// off; a body that opens with `---` is a thematic break), no positions (nothing downstream reads them).
const PARSE_OPTIONS = { features: { gfm: true, frontmatter: false }, position: false } as const;
// Raw HTML is parsed into the tree (rehype-raw) so that the sanitizer sees it as elements, not as opaque text.
// Parsing costs a millisecond a story, so it runs only when the markdown holds raw HTML.
const withRaw = unified().use(rehypeRaw);

/** Parses a markdown story body (GFM) into an unsanitized hast tree; `prepareHast` makes it safe. */
export function markdownToHast(markdown: string): Root {
  const hast = parseToHast(commonMarkNul(markdown), PARSE_OPTIONS) as Root;
  return alignCells(hast) ? withRaw.runSync(hast) : hast;
}

/** CommonMark replaces U+0000 with U+FFFD (satteri gives a space). */
function commonMarkNul(markdown: string): string {
  // Stryker disable next-line ConditionalExpression,StringLiteral: a shortcut that only saves time
  if (!markdown.includes('\0')) return markdown;
  return markdown.replaceAll('\0', '\uFFFD');
}

const TEXT_ALIGN = /^text-align:\s*(left|right|center)$/;

/**
 * Gives table cells the `align` attribute remark gives them where satteri writes `style="text-align: …"` (the
 * sanitizer drops style attributes, and with them the alignment). Returns whether the tree holds raw HTML. Runs
 * before raw HTML is parsed, so that only the parser's own cells are touched.
 */
function alignCells(node: Root | Element): boolean {
  let raw = false;
  for (const child of node.children as RootContent[]) {
    if (child.type === 'raw') raw = true;
    else if (child.type === 'element') {
      // satteri styles table cells only, and only with `text-align`: the checks guard against a change in the parser,
      // so no test can fail them today.
      // Stryker disable next-line ConditionalExpression,LogicalOperator,EqualityOperator,StringLiteral: see above
      if ((child.tagName === 'td' || child.tagName === 'th') && typeof child.properties['style'] === 'string') {
        const align = TEXT_ALIGN.exec(child.properties['style'])?.[1];
        // Stryker disable next-line ConditionalExpression: see above
        if (align) {
          delete child.properties['style'];
          child.properties['align'] = align;
        }
      }
      if (alignCells(child)) raw = true;
    }
  }
  return raw;
}

/**
 * How deeply quotes and lists may nest in a markdown body. The parser recurses once per level, and every level of
 * every block costs time (2,500 quotes 15 deep took 16 s to render, 8 deep 11 s, 1 deep 2 s).
 */
export const MAX_MARKDOWN_NESTING = 8;
/** How deeply raw HTML elements may nest in a markdown body. */
export const MAX_HTML_NESTING = 64;
/**
 * How many inline markers (`[`, `*`, `_`, `` ` ``, `<`, `~`) one paragraph may hold. The parser matches them
 * within a paragraph in time that grows with the square of their number (4,000 nested links took 6 s to render,
 * 10,000 took 27 s); a paragraph of prose holds a few dozen.
 */
export const MAX_PARAGRAPH_MARKERS = 2000;
/**
 * How many inline markers and table cell bars (`|`) a whole markdown body may hold. Each costs the parser about a
 * tenth of a millisecond even in short paragraphs (a megabyte of `*a*a…` took 67 s, of table rows 59 s); a long
 * story with a link in every sentence holds 5,000, a table of 1,000 rows and 5 columns 6,000.
 */
export const MAX_BODY_MARKERS = 20_000;

/**
 * How many lines a markdown body may have. The parser and the step to HTML slow down with the square of the number
 * of blocks in some shapes (100 kB of one-word list items took 15 s, of quotes 32 s); a long story has a few hundred.
 */
export const MAX_BODY_LINES = 5000;

const VOID_ELEMENTS = new Set([
  'area',
  'base',
  'br',
  'col',
  'embed',
  'hr',
  'img',
  'input',
  'link',
  'meta',
  'source',
  'track',
  'wbr',
]);

/** A markdown body over one of the limits that bound parsing it: what is wrong, and what to do. */
export interface MarkdownProblem {
  message: string;
  hint: string;
}

/**
 * Problems with a markdown body that would make parsing it recurse without bound (a quote in a quote a thousand
 * times over overflows the stack) or take time that grows with the square of its size: quotes and lists nested
 * deeper than {@link MAX_MARKDOWN_NESTING}, raw HTML deeper than {@link MAX_HTML_NESTING}, a paragraph with more
 * than {@link MAX_PARAGRAPH_MARKERS} inline markers, a body with more than {@link MAX_BODY_MARKERS} or more than
 * {@link MAX_BODY_LINES} lines. Found by a linear scan of the text, before the parser sees it.
 */
export function markdownProblems(markdown: string): MarkdownProblem[] {
  const problems: MarkdownProblem[] = [];
  // Markdown ends a line at \r as well as \n.
  const lines = markdown.split(/\r\n|\r|\n/);
  if (lines.length > MAX_BODY_LINES) {
    problems.push({
      message: `the body has ${lines.length.toLocaleString('en-US')} lines, over the limit of ${MAX_BODY_LINES.toLocaleString('en-US')}`,
      hint: 'split the story, or its lists and tables',
    });
    return problems;
  }
  let fence: string | undefined;
  let lineNumber = 0;
  let paragraph = { line: 1, markers: 0 };
  let nestingReported = false;
  let markersReported = false;
  let bodyMarkers = 0;
  for (const line of lines) {
    lineNumber += 1;
    // Fenced code is literal text: its indentation nests nothing and its brackets match nothing.
    // The includes() are a shortcut that saves most lines the pattern.
    // Stryker disable next-line ConditionalExpression,LogicalOperator,StringLiteral: a shortcut that only saves time
    const marker = line.includes('``') || line.includes('~~') ? /^ {0,3}(`{3,}|~{3,})/.exec(line)?.[1] : undefined;
    if (marker && (!fence || (marker[0] === fence[0] && marker.length >= fence.length))) {
      fence = fence ? undefined : marker;
      // A fence ends the paragraph before it; the text after it starts a new one.
      paragraph = { line: lineNumber + 1, markers: 0 };
      continue;
    }
    if (fence) continue;
    if (line.trim() === '') {
      paragraph = { line: lineNumber + 1, markers: 0 };
      continue;
    }
    const markers = line.match(/[[*_`<~]/g)?.length ?? 0;
    paragraph.markers += markers;
    // Table cells cost as much as inline markers; a table is one paragraph of many, so they count for the body only.
    // Stryker disable next-line ConditionalExpression,StringLiteral: a shortcut that only saves time
    bodyMarkers += markers + (line.includes('|') ? (line.match(/\|/g)?.length ?? 0) : 0);
    if (!markersReported && paragraph.markers > MAX_PARAGRAPH_MARKERS) {
      markersReported = true;
      problems.push({
        message: `the paragraph at line ${paragraph.line} holds more than ${MAX_PARAGRAPH_MARKERS} link, emphasis, code or HTML markers ([ * _ \` < ~)`,
        hint: 'split it into paragraphs with blank lines, or put literal text in a fenced code block',
      });
    }
    // Only a line that starts with a space, tab, `>` or a list marker can nest (the pattern is a shortcut).
    // Stryker disable next-line ConditionalExpression,Regex: a shortcut that only saves time
    if (!nestingReported && /^[ \t>*+\-\d]/.test(line) && lineNesting(line) > MAX_MARKDOWN_NESTING) {
      nestingReported = true;
      problems.push({
        message: `line ${lineNumber} nests quotes or lists more than ${MAX_MARKDOWN_NESTING} levels deep`,
        hint: 'flatten the quotes or lists',
      });
    }
  }
  if (!markersReported && bodyMarkers > MAX_BODY_MARKERS) {
    problems.push({
      message: `the body holds ${bodyMarkers.toLocaleString('en-US')} link, emphasis, code, HTML or table markers ([ * _ \` < ~ |), over the limit of ${MAX_BODY_MARKERS.toLocaleString('en-US')}`,
      hint: 'split the story or its tables, or put literal text in fenced code blocks',
    });
  }
  const html = htmlNesting(markdown);
  if (html > MAX_HTML_NESTING)
    problems.push({
      message: `raw HTML elements nest ${html} levels deep, over the limit of ${MAX_HTML_NESTING}`,
      hint: 'flatten the HTML',
    });
  return problems;
}

/**
 * How many quotes and lists a line sits in, at most (counting stops past the limit): each `>` and list marker at
 * its start opens one, and every two columns of indentation before them stand for one more (a nested list item is
 * indented at least two columns).
 */
function lineNesting(line: string): number {
  // One pass over the line (a sticky expression for the markers): a line of a million `>` costs a million steps.
  const marker = /(?:>[ \t]?|(?:[-*+]|\d{1,9}[.)])(?:[ \t]+|$))/y;
  let depth = 0;
  for (let at = 0; ;) {
    let columns = 0;
    for (; line[at] === ' ' || line[at] === '\t'; at++) columns += line[at] === '\t' ? 4 : 1;
    depth += Math.floor(columns / 2);
    marker.lastIndex = at;
    if (!marker.test(line)) return depth;
    depth += 1;
    // Stryker disable next-line ConditionalExpression: stopping early only saves time; depth only grows past the limit
    if (depth > MAX_MARKDOWN_NESTING) return depth;
    at = marker.lastIndex;
  }
}

/** The deepest nesting of raw HTML start tags (void and self-closing tags do not nest). */
function htmlNesting(markdown: string): number {
  // Stryker disable next-line ConditionalExpression,StringLiteral: a shortcut that only saves time
  if (!markdown.includes('<')) return 0;
  let depth = 0;
  let deepest = 0;
  // Stryker disable next-line StringLiteral: the name group always matches; the default only satisfies the type checker
  for (const [, slash, name = '', selfClosing] of markdown.matchAll(/<(\/?)([a-zA-Z][a-zA-Z0-9-]*)\b[^<>]*?(\/?)>/g)) {
    if (VOID_ELEMENTS.has(name.toLowerCase()) || selfClosing) continue;
    depth = slash ? Math.max(0, depth - 1) : depth + 1;
    deepest = Math.max(deepest, depth);
  }
  return deepest;
}
