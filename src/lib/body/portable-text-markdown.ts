/**
 * Markdown ⇄ Portable Text for story bodies, through the mdast of remark-parse + remark-gfm (never through HTML).
 *
 * `portableTextToMarkdown` writes normalised markdown: `**strong**`, `*em*`, `~~del~~`, `` `code` ``, ATX headings,
 * `- ` bullets and `1. ` numbers (a nested list is indented by its parent's marker width: two spaces under `- `,
 * three under `1. `, which is what CommonMark needs to nest it), `> ` quotes, GFM tables with `| --- |`, images as
 * `![alt](src "caption")`, hard breaks as a trailing backslash, a plain-text URL as the link it renders as (GFM
 * autolinks it anyway); empty blocks and images without a resolved `src` are left out. For a markdown body `md`,
 * `N = portableTextToMarkdown(markdownToPortableText(md))` is stable: `markdownToPortableText(N)` deep-equals
 * `markdownToPortableText(md)` (keys included), and the HTML of the blocks equals the HTML of `md`, except for
 * constructs Portable Text (as story bodies define it) cannot hold, which are converted as follows:
 * - soft line breaks (a paragraph wrapped over several lines) become spaces: `\n` in a span is a hard break;
 * - raw HTML becomes literal text (a block of HTML its own paragraph), shown escaped: untrusted markup is not worth
 *   round-tripping, and an editor sees what was there; HTML comments, invisible in the markdown's HTML too, are
 *   dropped, so an editor's note is never published;
 * - h1 becomes h2 (the page already has the h1; the renderer demotes it too, so the HTML is the same), h5 and h6
 *   become h4;
 * - loose lists become tight, ordered lists start at 1, task list checkboxes are dropped, a list item's second
 *   paragraph joins its first with a hard break, quotes and headings inside list items become their text, and
 *   a paragraph after a nested list becomes an item of its own; empty list items are dropped;
 * - nested quotes and headings inside a quote become quote paragraphs, a list inside a quote leaves it, and
 *   adjacent quotes merge into one;
 * - a link's title is dropped (an image's title is its caption);
 * - table alignment is dropped and cells become plain text (inline markup in a cell is kept as its text);
 * - an image inside a paragraph, list item or quote becomes an image block after that block;
 * - fenced and indented code becomes a paragraph of `code` text with hard breaks; thematic breaks are dropped;
 * - footnote references become their literal text and footnote definitions plain paragraphs.
 */
import type { Definition, Nodes, List, ListItem, Paragraph, PhrasingContent, RootContent, Table } from 'mdast';
import { toString } from 'mdast-util-to-string';
import { remark } from 'remark';
import remarkGfm from 'remark-gfm';
import type { Options as StringifyOptions } from 'remark-stringify';
import {
  applyGfmTransforms,
  portableTextToMdast,
  type PortableTextBlock,
  type PortableTextImage,
  type PortableTextLink,
  type PortableTextSpan,
  type PortableTextTable,
  type PortableTextTextBlock,
} from './portable-text.ts';

const settings: StringifyOptions = {
  bullet: '-',
  bulletOrdered: '.',
  emphasis: '*',
  strong: '*',
  listItemIndent: 'one',
  incrementListMarker: true,
  setext: false,
  closeAtx: false,
  fence: '`',
  rule: '-',
};
// Unpadded table rows: a cell edited in one row does not realign the whole table in a diff.
const processor = remark().use(remarkGfm, { tablePipeAlign: false }).data('settings', settings);

/** Serializes Portable Text blocks as normalised markdown (GFM); unknown block types are left out. */
export function portableTextToMarkdown(blocks: readonly unknown[]): string {
  // Plain-text URLs are written as the links they render as, so that re-importing the markdown is stable.
  const tree = applyGfmTransforms(portableTextToMdast(blocks));
  if (tree.children.length === 0) return '';
  // Unpadded delimiter rows come out as `| - |`; `| --- |` is the common spelling. A text line cannot match: a
  // paragraph's leading `|` is escaped, and tables are never nested in lists or quotes here.
  return processor.stringify(tree).replace(/^\| -(?: \| -)* \|$/gm, (row) => row.replaceAll('-', '---'));
}

/** A block being built: keys are given once the whole body is known, link marks use local ids until then. */
type Draft =
  | {
      kind: 'text';
      style: PortableTextTextBlock['style'];
      listItem?: 'bullet' | 'number';
      level?: number;
      spans: DraftSpan[];
      links: string[];
    }
  | { kind: 'image'; alt: string; src: string; caption: string | undefined }
  | { kind: 'table'; rows: string[][] };
type DraftSpan = { text: string; marks: string[] };
type TextDraft = Extract<Draft, { kind: 'text' }>;
type Context = { style: PortableTextTextBlock['style']; listItem?: 'bullet' | 'number'; level?: number };

/**
 * Converts a markdown body to Portable Text blocks with deterministic keys (`<hash of keyPrefix>-<index>`, spans
 * `-<index>-<n>`, links `-<index>-l<n>`, table rows `-<index>-r<n>`), so importing the same markdown twice
 * produces the same document. See the module comment for what cannot be carried over.
 */
export function markdownToPortableText(markdown: string, keyPrefix: string): PortableTextBlock[] {
  const tree = applyGfmTransforms(htmlToText(processor.parse(markdown)));
  const definitions = new Map<string, Definition>();
  collectDefinitions(tree, definitions);
  const drafts: Draft[] = [];
  const convert = new Converter(drafts, definitions);
  for (const node of tree.children) convert.block(node, { style: 'normal' });
  const prefix = hashKey(keyPrefix);
  normaliseLevels(drafts);
  return drafts.map((draft, index) => finishDraft(draft, `${prefix}-${index}`));
}

/**
 * Raw HTML becomes its literal text, then literal autolinks are found again, so that a URL inside that text is a
 * link now rather than on the next import (Portable Text renders a plain-text URL as a link, as markdown does).
 */
function htmlToText<T extends Nodes>(node: T): T {
  if ('children' in node) {
    const blockParent =
      node.type === 'root' ||
      node.type === 'blockquote' ||
      node.type === 'listItem' ||
      node.type === 'footnoteDefinition';
    node.children = node.children.flatMap((child: Nodes) => {
      if (child.type !== 'html') return [htmlToText(child)];
      if (/^\s*(?:<!--[\s\S]*?-->\s*)+$/.test(child.value)) return [];
      const text = { type: 'text', value: child.value } as const;
      return [blockParent ? { type: 'paragraph', children: [text] } : text];
    }) as typeof node.children;
  }
  return node;
}

/**
 * Sets each list item's level to the depth it renders at (see `addListItem` in portable-text.ts): an item under
 * a dropped empty item, say, would otherwise keep a level that the markdown written back cannot express.
 */
function normaliseLevels(drafts: Draft[]): void {
  const open: Array<{ level: number; listItem: string }> = [];
  for (const draft of drafts) {
    if (draft.kind !== 'text' || !draft.listItem) {
      open.length = 0;
      continue;
    }
    const level = draft.level ?? 1;
    for (
      let top = open.at(-1);
      top && (top.level > level || (top.level === level && top.listItem !== draft.listItem));
      top = open.at(-1)
    )
      open.pop();
    const top = open.at(-1);
    if (!top || top.level < level) open.push({ level, listItem: draft.listItem });
    draft.level = open.length;
  }
}

function collectDefinitions(node: Nodes, into: Map<string, Definition>): void {
  if (node.type === 'definition') {
    // CommonMark: the first definition of a label wins.
    if (!into.has(node.identifier)) into.set(node.identifier, node);
    return;
  }
  if ('children' in node) for (const child of node.children) collectDefinitions(child, into);
}

class Converter {
  readonly drafts: Draft[];
  readonly definitions: Map<string, Definition>;

  constructor(drafts: Draft[], definitions: Map<string, Definition>) {
    this.drafts = drafts;
    this.definitions = definitions;
  }

  /** Converts one block-level node in a context (top level, quote or list item at some level). */
  block(node: RootContent, context: Context): void {
    switch (node.type) {
      case 'paragraph':
        this.paragraph(node, context);
        return;
      case 'heading': {
        const style = context.style === 'normal' && !context.listItem ? headingStyle(node.depth) : context.style;
        this.text(node.children, { ...context, style });
        return;
      }
      case 'blockquote':
        for (const child of node.children) this.block(child, { ...context, style: 'blockquote' });
        return;
      case 'list':
        this.list(node, context);
        return;
      case 'table':
        this.table(node);
        return;
      case 'code':
        this.code(node.value, context);
        return;
      case 'footnoteDefinition':
        for (const child of node.children) this.block(child, context);
        return;
      default:
        // thematicBreak, definition (used by references): nothing to carry over; html is text by now.
        return;
    }
  }

  paragraph(node: Paragraph, context: Context): void {
    const images = collectImages(node.children, this.definitions);
    const onlyImages =
      images.length > 0 && node.children.every((c) => isImage(c) || (c.type === 'text' && c.value.trim() === ''));
    if (onlyImages) this.drafts.push(...images);
    else this.text(node.children, context);
  }

  list(node: List, context: Context): void {
    const level = (context.listItem ? (context.level ?? 1) : 0) + 1;
    const itemContext: Context = { style: 'normal', listItem: node.ordered ? 'number' : 'bullet', level };
    for (const item of node.children) this.listItem(item, itemContext);
  }

  /** One block per list item: its paragraphs join with hard breaks, deeper lists follow at the next level. */
  listItem(item: ListItem, context: Context): void {
    const phrasing: PhrasingContent[] = [];
    const after: Array<() => void> = [];
    for (const child of item.children) {
      if (child.type === 'list') {
        after.push(() => this.list(child, context));
        continue;
      }
      if (after.length > 0) {
        // Content after a nested list cannot rejoin the item in Portable Text; it becomes an item of its own.
        after.push(() => this.block(child, context));
        continue;
      }
      const content: PhrasingContent[] =
        child.type === 'paragraph' || child.type === 'heading'
          ? child.children
          : child.type === 'code'
            ? [{ type: 'inlineCode', value: child.value }]
            : [{ type: 'text', value: toString(child) }];
      if (phrasing.length > 0 && content.length > 0) phrasing.push({ type: 'break' });
      phrasing.push(...content);
    }
    this.text(phrasing, context);
    for (const next of after) next();
  }

  table(node: Table): void {
    const width = node.children[0]?.children.length ?? 0;
    const rows = node.children.map((row) =>
      Array.from({ length: width }, (_, i) => {
        const cell = row.children[i];
        return cell ? toString(cell).replace(/[ \t]*[\r\n]+[ \t]*/g, ' ') : '';
      }),
    );
    if (width > 0) this.drafts.push({ kind: 'table', rows });
  }

  /** Code becomes code text line by line: a line break cannot be inside inline code. */
  code(value: string, context: Context): void {
    const lines = value
      .split(/\r?\n/)
      .flatMap((line, i): PhrasingContent[] => [
        ...(i > 0 ? [{ type: 'break' } as const] : []),
        ...(line === '' ? [] : [{ type: 'inlineCode', value: line } as const]),
      ]);
    this.text(lines, context);
  }

  /** Adds a text block made of inline nodes, followed by an image block for each image among them. */
  text(nodes: readonly PhrasingContent[], context: Context): void {
    const draft: TextDraft = { kind: 'text', ...context, spans: [], links: [] };
    // Only a block that renders as a `<p>` gets the renderer's lead-in styling, so only it gets the decorator.
    const paragraph = !context.listItem && (context.style === 'normal' || context.style === 'blockquote');
    this.inline(nodes, [], draft, paragraph ? leadInNode(nodes) : undefined);
    draft.spans = mergeSpans(draft.spans);
    if (draft.spans.some((s) => s.text.trim() !== '')) this.drafts.push(draft);
    this.drafts.push(...collectImages(nodes, this.definitions));
  }

  inline(
    nodes: readonly PhrasingContent[],
    marks: string[],
    draft: TextDraft,
    leadIn: PhrasingContent | undefined,
  ): void {
    for (const node of nodes) {
      switch (node.type) {
        case 'text':
          // A soft line break is a space; only a hard break is a line break in Portable Text.
          draft.spans.push({ text: node.value.replace(/[ \t]*\r?\n[ \t]*/g, ' '), marks });
          break;
        case 'break':
          draft.spans.push({ text: '\n', marks });
          break;
        case 'inlineCode':
          draft.spans.push({ text: node.value.replace(/\r?\n/g, ' '), marks: [...marks, 'code'] });
          break;
        case 'strong':
          this.inline(node.children, [...marks, node === leadIn ? 'leadIn' : 'strong'], draft, leadIn);
          break;
        case 'emphasis':
          this.inline(node.children, [...marks, 'em'], draft, leadIn);
          break;
        case 'delete':
          this.inline(node.children, [...marks, 'strike-through'], draft, leadIn);
          break;
        case 'link':
          this.inline(node.children, [...marks, addLink(draft, node.url)], draft, leadIn);
          break;
        case 'linkReference': {
          const definition = this.definitions.get(node.identifier);
          this.inline(node.children, definition ? [...marks, addLink(draft, definition.url)] : marks, draft, leadIn);
          break;
        }
        case 'footnoteReference':
          draft.spans.push({ text: `[^${node.label ?? node.identifier}]`, marks });
          break;
        default:
          // image, imageReference: pulled out as image blocks by `text`; html: text by now.
          break;
      }
    }
  }
}

function addLink(draft: TextDraft, href: string): string {
  draft.links.push(href);
  return `l${draft.links.length - 1}`;
}

/** The strong that opens a paragraph and ends with ':' is a lead-in, as the renderer styles it. */
function leadInNode(nodes: readonly PhrasingContent[]): PhrasingContent | undefined {
  const first = nodes.find((n) => !(n.type === 'text' && n.value.trim() === ''));
  return first?.type === 'strong' && /:\s*$/.test(toString(first)) ? first : undefined;
}

function headingStyle(depth: number): PortableTextTextBlock['style'] {
  return depth <= 2 ? 'h2' : depth === 3 ? 'h3' : 'h4';
}

function isImage(node: PhrasingContent): boolean {
  return node.type === 'image' || node.type === 'imageReference';
}

function collectImages(nodes: readonly PhrasingContent[], definitions: Map<string, Definition>): Draft[] {
  const images: Draft[] = [];
  const visit = (list: readonly PhrasingContent[]) => {
    for (const node of list) {
      if (node.type === 'image') {
        images.push({ kind: 'image', alt: node.alt ?? '', src: node.url, caption: node.title ?? undefined });
      } else if (node.type === 'imageReference') {
        const definition = definitions.get(node.identifier);
        if (definition)
          images.push({
            kind: 'image',
            alt: node.alt ?? '',
            src: definition.url,
            caption: definition.title ?? undefined,
          });
      } else if ('children' in node) {
        visit(node.children);
      }
    }
  };
  visit(nodes);
  return images.filter((image) => image.kind !== 'image' || image.src.trim() !== '');
}

/** Joins neighbouring spans with the same marks and drops empty ones, as the Studio does. */
function mergeSpans(spans: DraftSpan[]): DraftSpan[] {
  const out: DraftSpan[] = [];
  for (const span of spans) {
    if (span.text === '') continue;
    const previous = out[out.length - 1];
    if (
      previous &&
      previous.marks.length === span.marks.length &&
      previous.marks.every((m, i) => m === span.marks[i])
    ) {
      previous.text += span.text;
    } else {
      out.push({ text: span.text, marks: span.marks });
    }
  }
  // A markdown paragraph never starts or ends with whitespace; joined list paragraphs may.
  const first = out[0];
  if (first) first.text = first.text.replace(/^[ \t]+/, '');
  const last = out[out.length - 1];
  if (last) last.text = last.text.replace(/[ \t]+$/, '');
  return out.filter((s) => s.text !== '');
}

function finishDraft(draft: Draft, key: string): PortableTextBlock {
  switch (draft.kind) {
    case 'image': {
      const image: PortableTextImage = { _type: 'image', _key: key, alt: draft.alt, src: draft.src };
      if (draft.caption !== undefined && draft.caption !== '') image.caption = draft.caption;
      return image;
    }
    case 'table':
      return {
        _type: 'table',
        _key: key,
        rows: draft.rows.map((cells, i) => ({ _type: 'tableRow', _key: `${key}-r${i}`, cells })),
      } satisfies PortableTextTable;
    case 'text': {
      // Links are numbered in the order their text appears; a link without text (`[](url)`, or around an image
      // that became its own block) is left out, so that the markdown written back converts to the same keys.
      const used = [...new Set(draft.spans.flatMap((span) => span.marks.filter((m) => /^l\d+$/.test(m))))];
      const linkKey = (local: string) => `${key}-l${used.indexOf(local)}`;
      const markDefs: PortableTextLink[] = used.map((local) => ({
        _type: 'link',
        _key: linkKey(local),
        href: draft.links[Number(local.slice(1))] ?? '',
      }));
      const children: PortableTextSpan[] = draft.spans.map((span, i) => ({
        _type: 'span',
        _key: `${key}-${i}`,
        text: span.text,
        marks: span.marks.map((m) => (/^l\d+$/.test(m) ? linkKey(m) : m)),
      }));
      const block: PortableTextTextBlock = { _type: 'block', _key: key, style: draft.style, markDefs, children };
      if (draft.listItem) {
        block.listItem = draft.listItem;
        block.level = draft.level ?? 1;
      }
      return block;
    }
  }
}

/** A short, stable key prefix (FNV-1a, base 36), so keys do not carry file names or slugs. */
function hashKey(value: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < value.length; i++) {
    hash ^= value.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash.toString(36).padStart(7, '0');
}
