/**
 * Portable Text story bodies: their shapes, and their rendering to hast.
 *
 * A body goes Portable Text → mdast → hast, through the same `mdast-util-to-hast` (remark-rehype) step that
 * `markdownToHast` uses, so a Portable Text body gives exactly the tree, and after `prepareHast` the HTML, that its
 * equivalent markdown gives: the same '\n' text nodes between blocks, tight list items, URL encoding, break
 * handling. (`markdownToHast` adds rehype-raw only for markdown with raw HTML, which Portable Text never holds.) `portableTextToMarkdown` serializes the same mdast, so the markdown and the HTML of a body
 * cannot drift apart.
 *
 * Shapes (Sanity's, plus two object types of ours):
 * - text block `{_type: 'block', _key, style, listItem?, level?, markDefs, children}`: `style` is one of the
 *   content rules' `BLOCK_STYLES` (`h1`, `h5` and `h6` are rendered too, any other as `normal`: the Studio's
 *   validation lets others through too, from a paste or the API), consecutive `blockquote` blocks form one quote;
 *   `listItem` is one of `LIST_TYPES` (anything else renders as a bullet), `level` starts at 1 and nests as
 *   markdown indentation does; a block without text (the Studio leaves empty ones) is skipped. A URL in plain text
 *   renders as a link, because it does in markdown (GFM literal autolinks).
 * - span `{_type: 'span', _key, text, marks}`: `\n` in `text` is a hard line break; marks are the content rules'
 *   `DECORATORS` (`strike-through` renders as `<del>`, `leadIn` like `strong`) or the `_key` of a `link` mark
 *   definition `{_type: 'link', _key, href}`.
 * - image `{_type: 'image', _key, alt, caption?, src?, asset?}`: renders like `![alt](src "caption")` alone in a
 *   paragraph; `src` is the resolved URL (the Sanity query projects `asset->url` into it); without it, nothing.
 * - table `{_type: 'table', _key, rows: [{_type: 'tableRow', _key, cells: string[]}]}`: renders like a GFM table
 *   whose first row is the header; cells are plain text (no inline markup), the header fixes the column count.
 *
 * Malformed input never throws: unknown block and inline object types, spans without text and marks that are not
 * strings are skipped, and the sanitizer in `prepareHast` remains the safety net for what does get through.
 */
import { buildMarksTree, type ToolkitNestedPortableTextSpan, type ToolkitTextNode } from '@portabletext/toolkit';
import type { Root as HastRoot } from 'hast';
import type {
  Blockquote,
  Heading,
  List,
  Paragraph,
  PhrasingContent,
  Root as MdastRoot,
  RootContent,
  Table,
  TableRow,
} from 'mdast';
import remarkGfm from 'remark-gfm';
import remarkRehype from 'remark-rehype';
import { unified } from 'unified';
import { describeValue } from '../model/content-error.ts';
import type { BlockStyle, ListType } from '../model/rules.ts';
import { isImageUrl } from '../site/urls.ts';

/** A run of text and its marks (decorator names and link keys). */
export type PortableTextSpan = { _type: 'span'; _key: string; text: string; marks: string[] };
/** A link annotation, referenced from spans' `marks` by its `_key`. */
export type PortableTextLink = { _type: 'link'; _key: string; href: string };
/** A paragraph, heading, quote paragraph or list item. */
export type PortableTextTextBlock = {
  _type: 'block';
  _key: string;
  style: BlockStyle;
  listItem?: ListType;
  level?: number;
  markDefs: PortableTextLink[];
  children: PortableTextSpan[];
};
/** An image on its own line; `src` is the resolved asset URL, `caption` becomes the image title. */
export type PortableTextImage = {
  _type: 'image';
  _key: string;
  alt: string;
  caption?: string;
  src?: string;
  asset?: { _type: 'reference'; _ref: string };
};
/** A row of plain-text table cells. */
export type PortableTextTableRow = { _type: 'tableRow'; _key: string; cells: string[] };
/** A table; the first row is the header. */
export type PortableTextTable = { _type: 'table'; _key: string; rows: PortableTextTableRow[] };
/** A member of a story body's Portable Text array. */
export type PortableTextBlock = PortableTextTextBlock | PortableTextImage | PortableTextTable;

// What the renderer works on once unknown input is cleaned: span keys are unique per block, marks are strings.
type CleanSpan = { _type: 'span'; _key: string; text: string; marks: string[] };
type CleanTextBlock = {
  _type: 'block';
  style: string;
  listItem?: string;
  level: number;
  markDefs: Array<{ _type: string; _key: string; [field: string]: unknown }>;
  children: CleanSpan[];
};
type CleanImage = { _type: 'image'; alt: string; caption: string | undefined; src: string };
type CleanTable = { _type: 'table'; rows: string[][] };
type CleanBlock = CleanTextBlock | CleanImage | CleanTable;
type MarksNode = ToolkitNestedPortableTextSpan | ToolkitTextNode | { _type: string };

// The same mdast → hast step as `markdownToHast`.
const toHast = unified().use(remarkRehype, { allowDangerousHtml: true });

// The transforms remark-gfm asks mdast-util-from-markdown to run once a tree is built: literal autolinks
// (`https://…`, `www.…`, e-mail addresses in text become links). Taken from remark-gfm itself, so they are the
// very functions that run when markdown is parsed.
const gfmTransforms = (unified().use(remarkGfm).freeze().data('fromMarkdownExtensions') ?? [])
  .flat()
  .flatMap((extension) => extension.transforms ?? []);

/** Runs GFM's after-parse transforms (literal autolinks) on an mdast tree, as parsing markdown does. */
export function applyGfmTransforms(tree: MdastRoot): MdastRoot {
  return gfmTransforms.reduce<MdastRoot>((current, transform) => transform(current) ?? current, tree);
}

/**
 * Renders Portable Text blocks to an unsanitized hast tree, exactly as their equivalent markdown would be: a URL
 * typed as plain text becomes a link, as it does in markdown (GFM).
 */
export function portableTextToHast(blocks: readonly unknown[]): HastRoot {
  return toHast.runSync(applyGfmTransforms(portableTextToMdast(blocks)));
}

/** Converts Portable Text blocks to the mdast tree of their equivalent markdown. */
export function portableTextToMdast(blocks: readonly unknown[]): MdastRoot {
  const children: RootContent[] = [];
  // The lists open at the current position, outermost first (see `addListItem`).
  let open: OpenList[] = [];
  for (const raw of Array.isArray(blocks) ? blocks : []) {
    const block = cleanBlock(raw);
    if (!block) continue;
    if (block._type === 'image') {
      open = [];
      children.push(imageToMdast(block));
      continue;
    }
    if (block._type === 'table') {
      const table = tableToMdast(block);
      if (!table) continue;
      open = [];
      children.push(table);
      continue;
    }
    const content = blockPhrasing(block);
    // An empty block (the Studio leaves them between paragraphs) has no markdown; it does not end a list.
    if (content.length === 0) continue;
    if (block.listItem) {
      open = addListItem(open, children, block.listItem, block.level, content);
      continue;
    }
    open = [];
    if (block.style === 'blockquote') {
      const previous = children[children.length - 1];
      const paragraph: Paragraph = { type: 'paragraph', children: content };
      // Markdown has no way to write two quotes in a row without a paragraph between, so they are one quote.
      if (previous?.type === 'blockquote') previous.children.push(paragraph);
      else children.push({ type: 'blockquote', children: [paragraph] } satisfies Blockquote);
      continue;
    }
    const depth = /^h([1-6])$/.exec(block.style)?.[1];
    children.push(
      depth
        ? // A markdown heading is one line: a line break in a heading's text becomes a space.
          ({
            type: 'heading',
            depth: Number(depth) as Heading['depth'],
            children: breaksToSpaces(content),
          } satisfies Heading)
        : ({ type: 'paragraph', children: content } satisfies Paragraph),
    );
  }
  return { type: 'root', children };
}

type OpenList = { level: number; listItem: string; list: List };

/**
 * Adds a list item where markdown would put it: in the open list of its level and type, or in a new list nested
 * in the last item of the nearest shallower list (or at the top). A change of type at the same level starts a
 * sibling list, as `- a` followed by `1. b` does. The toolkit's `nestLists` is not used: it moves such a sibling
 * list out to the top level and splits the lists around it, unlike both markdown and the Studio's editor.
 */
function addListItem(
  open: OpenList[],
  root: RootContent[],
  listItem: string,
  level: number,
  content: PhrasingContent[],
): OpenList[] {
  const stack = [...open];
  for (
    let top = stack[stack.length - 1];
    top && (top.level > level || (top.level === level && top.listItem !== listItem));
    top = stack[stack.length - 1]
  ) {
    stack.pop();
  }
  let current = stack[stack.length - 1];
  if (!current || current.level < level) {
    const ordered = listItem === 'number';
    const list: List = { type: 'list', ordered, start: ordered ? 1 : null, spread: false, children: [] };
    const parentItem = current?.list.children[current.list.children.length - 1];
    if (parentItem) parentItem.children.push(list);
    else root.push(list);
    current = { level, listItem, list };
    stack.push(current);
  }
  current.list.children.push({
    type: 'listItem',
    spread: false,
    checked: null,
    children: [{ type: 'paragraph', children: content }],
  });
  return stack;
}

/** `Number.isFinite`, telling the type checker that the value is a number. */
function isFiniteNumber(value: unknown): value is number {
  return Number.isFinite(value);
}

/** `Number.isInteger`, telling the type checker that the value is a number. */
function isInteger(value: unknown): value is number {
  return Number.isInteger(value);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Keeps what can be rendered of one array member; `undefined` for unknown or unusable members. */
function cleanBlock(raw: unknown): CleanBlock | undefined {
  if (!isRecord(raw)) return undefined;
  switch (raw['_type']) {
    case 'block': {
      const markDefs = (Array.isArray(raw['markDefs']) ? raw['markDefs'] : []).filter(
        (def): def is CleanTextBlock['markDefs'][number] =>
          isRecord(def) && typeof def['_key'] === 'string' && typeof def['_type'] === 'string',
      );
      const children: CleanSpan[] = [];
      for (const child of Array.isArray(raw['children']) ? raw['children'] : []) {
        if (!isRecord(child) || child['_type'] !== 'span' || typeof child['text'] !== 'string' || child['text'] === '')
          continue;
        const marks = (Array.isArray(child['marks']) ? child['marks'] : []).filter(
          (m): m is string => typeof m === 'string',
        );
        // `reorderCoextensive` finds a span's marks by the key the toolkit copies onto its nodes: keys must be unique.
        children.push({ _type: 'span', _key: `${children.length}`, text: child['text'], marks: [...new Set(marks)] });
      }
      const level = isFiniteNumber(raw['level']) ? Math.max(1, Math.floor(raw['level'])) : 1;
      const block: CleanTextBlock = {
        _type: 'block',
        style: typeof raw['style'] === 'string' ? raw['style'] : 'normal',
        level,
        markDefs,
        children,
      };
      // Markdown has two kinds of list; any other list type (a custom `check` style, say) is a bullet.
      if (typeof raw['listItem'] === 'string' && raw['listItem'] !== '')
        block.listItem = raw['listItem'] === 'number' ? 'number' : 'bullet';
      return block;
    }
    case 'image': {
      const src = raw['src'];
      if (typeof src !== 'string' || src.trim() === '') return undefined;
      const caption = typeof raw['caption'] === 'string' && raw['caption'].trim() !== '' ? raw['caption'] : undefined;
      return { _type: 'image', alt: typeof raw['alt'] === 'string' ? raw['alt'] : '', caption, src: src.trim() };
    }
    case 'table': {
      const rows = (Array.isArray(raw['rows']) ? raw['rows'] : []).map((row) =>
        (isRecord(row) && Array.isArray(row['cells']) ? row['cells'] : []).map((cell: unknown) =>
          // A GFM cell is one line of text without surrounding spaces.
          typeof cell === 'string' ? cell.replace(/[ \t]*[\r\n]+[ \t]*/g, ' ').replace(/^[ \t]+|[ \t]+$/g, '') : '',
        ),
      );
      return { _type: 'table', rows };
    }
    default:
      return undefined;
  }
}

function imageToMdast(image: CleanImage): Paragraph {
  return {
    type: 'paragraph',
    children: [{ type: 'image', url: image.src, alt: image.alt, title: image.caption ?? null }],
  };
}

function tableToMdast(table: CleanTable): Table | undefined {
  const width = table.rows[0]?.length ?? 0;
  if (width === 0) return undefined;
  const children = table.rows.map((cells): TableRow => ({
    type: 'tableRow',
    // GFM drops cells beyond the header's count and fills missing ones.
    children: Array.from({ length: width }, (_, i) => {
      const value = cells[i] ?? '';
      return { type: 'tableCell', children: value === '' ? [] : [{ type: 'text', value }] };
    }),
  }));
  return { type: 'table', align: Array.from({ length: width }, () => null), children };
}

/** The inline content of a text block: nested marks, hard breaks, trimmed like a markdown paragraph. */
function blockPhrasing(block: CleanTextBlock): PhrasingContent[] {
  if (block.children.length === 0) return [];
  const order = new Map(block.children.map((span) => [span._key, span.marks]));
  const tree = buildMarksTree(block as Parameters<typeof buildMarksTree>[0]).map((node) =>
    reorderCoextensive(node, order),
  );
  return trimPhrasing(marksToPhrasing(tree, false));
}

/**
 * The toolkit nests marks that cover the same text in a fixed order (links outside decorators, strong outside
 * em). Markdown keeps the author's order (`**[a](u)**` is strong around link), and so does the span's `marks`
 * array (outermost first, as `markdownToPortableText` writes it): restore it for each chain of such marks.
 */
function reorderCoextensive(node: MarksNode, order: Map<string, string[]>): MarksNode {
  if (!isToolkitSpan(node)) return node;
  const chain: ToolkitNestedPortableTextSpan[] = [node];
  let inner: ToolkitNestedPortableTextSpan = node;
  while (inner.children.length === 1 && isToolkitSpan(inner.children[0])) {
    inner = inner.children[0];
    chain.push(inner);
  }
  const children = inner.children.map((child) => reorderCoextensive(child, order));
  const marks = order.get(node._key ?? '') ?? [];
  const rank = (span: ToolkitNestedPortableTextSpan) => {
    const at = marks.indexOf(span.markKey ?? span.markType);
    return at === -1 ? marks.length : at;
  };
  const sorted = [...chain].sort((a, b) => rank(a) - rank(b));
  let result: ToolkitNestedPortableTextSpan | undefined;
  for (let i = sorted.length - 1; i >= 0; i--) {
    const span = sorted[i];
    if (span) result = { ...span, children: result ? [result] : children };
  }
  return result ?? node;
}

function isToolkitSpan(node: MarksNode | undefined): node is ToolkitNestedPortableTextSpan {
  return node?._type === '@span';
}

function marksToPhrasing(nodes: readonly MarksNode[], inCode: boolean): PhrasingContent[] {
  const out: PhrasingContent[] = [];
  for (const node of nodes) {
    if (node._type === '@text') {
      const text = (node as ToolkitTextNode).text;
      if (text === '\n') out.push({ type: 'break' });
      else if (text !== '') out.push(inCode ? { type: 'inlineCode', value: text } : { type: 'text', value: text });
      continue;
    }
    if (!isToolkitSpan(node)) continue; // inline objects: none are defined for story bodies
    const href = node.markDef?.['href'];
    const children = marksToPhrasing(node.children, inCode || node.markType === 'code');
    switch (node.markType) {
      case 'strong':
      case 'leadIn':
        out.push(...hoistWhitespace({ type: 'strong', children }));
        break;
      case 'em':
        out.push(...hoistWhitespace({ type: 'emphasis', children }));
        break;
      case 'strike-through':
        out.push(...hoistWhitespace({ type: 'delete', children }));
        break;
      case 'link':
        if (node.markDef && typeof href === 'string')
          out.push({ type: 'link', url: href.trim(), title: null, children });
        else out.push(...children);
        break;
      default:
        // `code` was applied to the text itself (mdast inline code holds no markup); unknown marks are dropped.
        out.push(...children);
    }
  }
  return mergeTexts(out);
}

type Wrapper = Extract<PhrasingContent, { type: 'strong' | 'emphasis' | 'delete' }>;

/**
 * Markdown cannot open or close emphasis next to a space (`**Why: **x` is not bold), yet editors often bold a
 * trailing space; the space is moved outside, which renders the same and keeps the markdown plain.
 */
function hoistWhitespace(node: Wrapper): PhrasingContent[] {
  const before: PhrasingContent[] = [];
  const after: PhrasingContent[] = [];
  const first = node.children[0];
  if (first?.type === 'text') {
    const lead = /^\s+/.exec(first.value)?.[0] ?? '';
    if (lead) {
      before.push({ type: 'text', value: lead });
      first.value = first.value.slice(lead.length);
      if (first.value === '') node.children.shift();
    }
  }
  const last = node.children[node.children.length - 1];
  if (last?.type === 'text') {
    const trail = /\s+$/.exec(last.value)?.[0] ?? '';
    if (trail) {
      after.push({ type: 'text', value: trail });
      last.value = last.value.slice(0, -trail.length);
      if (last.value === '') node.children.pop();
    }
  }
  return node.children.length > 0 ? [...before, node, ...after] : [...before, ...after];
}

function breaksToSpaces(nodes: PhrasingContent[]): PhrasingContent[] {
  return mergeTexts(
    nodes.map((node): PhrasingContent => {
      if (node.type === 'break') return { type: 'text', value: ' ' };
      if ('children' in node) node.children = breaksToSpaces(node.children);
      return node;
    }),
  );
}

function mergeTexts(nodes: PhrasingContent[]): PhrasingContent[] {
  const out: PhrasingContent[] = [];
  for (const node of nodes) {
    const previous = out[out.length - 1];
    if (node.type === 'text' && previous?.type === 'text') previous.value += node.value;
    else out.push(node);
  }
  return out;
}

/** A markdown paragraph has no leading or trailing whitespace or line breaks. */
function trimPhrasing(nodes: PhrasingContent[]): PhrasingContent[] {
  const out = [...nodes];
  while (out[0]?.type === 'break') out.shift();
  while (out[out.length - 1]?.type === 'break') out.pop();
  const first = out[0];
  if (first?.type === 'text') {
    first.value = first.value.replace(/^[ \t\r\n]+/, '');
    if (first.value === '') return trimPhrasing(out.slice(1));
  }
  const last = out[out.length - 1];
  if (last?.type === 'text') {
    last.value = last.value.replace(/[ \t\r\n]+$/, '');
    if (last.value === '') return trimPhrasing(out.slice(0, -1));
  }
  return out;
}

/** The deepest list level a body may use (the renderer nests one list per level). */
export const MAX_LIST_LEVEL = 16;
/** The most marks (decorators and links) one span may carry (the renderer nests one element per mark). */
export const MAX_SPAN_MARKS = 16;
/** Problems reported per body at most: a body broken everywhere says so without a line per block. */
const MAX_PROBLEMS = 20;

/** A problem in a Portable Text body: the path inside the body (`[3, 'children', 0, 'text']`) and what was wrong. */
export interface PortableTextProblem {
  path: (string | number)[];
  message: string;
}

/**
 * Checks the shapes of a story body's blocks (see the module header) and the limits that bound rendering. The
 * renderer skips what it cannot use, but a `null` block, a span whose text is not text or a thousand-level list is
 * an editor's (or an importer's) mistake worth reporting, not something to publish silently.
 */
export function portableTextProblems(blocks: readonly unknown[]): PortableTextProblem[] {
  const problems: PortableTextProblem[] = [];
  const add = (path: (string | number)[], expected: string, received: unknown) => {
    if (problems.length < MAX_PROBLEMS)
      problems.push({ path, message: `expected ${expected}, received ${describeValue(received)}` });
  };
  const optionalString = (owner: Record<string, unknown>, path: (string | number)[], field: string) => {
    if (owner[field] !== undefined && typeof owner[field] !== 'string') add([...path, field], 'text', owner[field]);
  };
  blocks.forEach((block, i) => {
    if (!isRecord(block) || typeof block['_type'] !== 'string') {
      add(
        isRecord(block) ? [i, '_type'] : [i],
        'a block (an object with a _type)',
        isRecord(block) ? block['_type'] : block,
      );
      return;
    }
    switch (block['_type']) {
      case 'block':
        checkTextBlock(block, [i], add, optionalString);
        break;
      case 'image':
        for (const field of ['src', 'alt', 'caption']) optionalString(block, [i], field);
        if (typeof block['src'] === 'string' && block['src'].trim() !== '' && !isImageUrl(block['src'].trim())) {
          add([i, 'src'], 'a site path like /images/photo.jpg or an https:// URL', block['src']);
        }
        break;
      case 'table': {
        const rows = block['rows'];
        if (rows === undefined) break;
        if (!Array.isArray(rows)) add([i, 'rows'], 'a list of rows', rows);
        else
          rows.forEach((row: unknown, r) => {
            if (!isRecord(row) || !Array.isArray(row['cells']))
              add([i, 'rows', r], 'a row with a list of cells', isRecord(row) ? row['cells'] : row);
            else
              row['cells'].forEach(
                (cell: unknown, c) => typeof cell !== 'string' && add([i, 'rows', r, 'cells', c], 'text', cell),
              );
          });
        break;
      }
      default:
      // Unknown types are skipped by the renderer; the Studio may hold types this site does not show.
    }
  });
  return problems;
}

type Add = (path: (string | number)[], expected: string, received: unknown) => void;

function checkTextBlock(
  block: Record<string, unknown>,
  at: (string | number)[],
  add: Add,
  optionalString: (owner: Record<string, unknown>, path: (string | number)[], field: string) => void,
): void {
  optionalString(block, at, 'style');
  optionalString(block, at, 'listItem');
  const level = block['level'];
  if (level !== undefined && !(isInteger(level) && level >= 1 && level <= MAX_LIST_LEVEL)) {
    add([...at, 'level'], `a list level from 1 to ${MAX_LIST_LEVEL}`, level);
  }
  const markDefs = block['markDefs'];
  if (markDefs !== undefined && !Array.isArray(markDefs))
    add([...at, 'markDefs'], 'a list of mark definitions', markDefs);
  if (Array.isArray(markDefs)) {
    markDefs.forEach((def: unknown, d) => {
      if (!isRecord(def) || typeof def['_key'] !== 'string' || typeof def['_type'] !== 'string')
        add([...at, 'markDefs', d], 'a mark definition with a _key and a _type', def);
      else optionalString(def, [...at, 'markDefs', d], 'href');
    });
  }
  const children = block['children'];
  if (!Array.isArray(children)) {
    add([...at, 'children'], 'a list of spans', children);
    return;
  }
  children.forEach((child: unknown, c) => {
    const path = [...at, 'children', c];
    if (!isRecord(child) || typeof child['_type'] !== 'string') {
      add(
        isRecord(child) ? [...path, '_type'] : path,
        'a span (an object with a _type)',
        isRecord(child) ? child['_type'] : child,
      );
      return;
    }
    if (child['_type'] !== 'span') return;
    if (typeof child['text'] !== 'string') add([...path, 'text'], 'text', child['text']);
    const marks = child['marks'];
    if (marks === undefined) return;
    if (!Array.isArray(marks) || marks.some((m) => typeof m !== 'string'))
      add([...path, 'marks'], 'a list of mark names', marks);
    else if (marks.length > MAX_SPAN_MARKS) add([...path, 'marks'], `at most ${MAX_SPAN_MARKS} marks`, marks);
  });
}
