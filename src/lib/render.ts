import type { Element, Parents, Root, RootContent } from 'hast';
import { toHtml } from 'hast-util-to-html';
import { toString } from 'hast-util-to-string';
import rehypeSanitize, { defaultSchema, type Options as SanitizeSchema } from 'rehype-sanitize';
import rehypeSlug from 'rehype-slug';
import { unified } from 'unified';
import { visit } from 'unist-util-visit';

/**
 * What a story body may contain, on top of GitHub's sanitize schema (no script, style, iframe, form, object,
 * event handlers or `javascript:` URLs). Figures are allowed for captioned images. Video embeds are not: an
 * iframe in a story is dropped, and the editor should link to the video instead.
 */
export const sanitizeSchema: SanitizeSchema = {
  ...defaultSchema,
  // Keep heading ids readable (rehype-slug runs after sanitizing, so no clobber prefix is needed on them).
  tagNames: [...(defaultSchema.tagNames ?? []), 'figure', 'figcaption'],
  attributes: {
    ...defaultSchema.attributes,
    img: ['src', 'alt', 'title', 'width', 'height'],
    a: ['href', 'title'],
  },
  protocols: { ...defaultSchema.protocols, href: ['http', 'https', 'mailto'], src: ['http', 'https'] },
};

/** Marks external links, lazy-loads images, demotes stray h1s and styles "Why it matters:" lead-ins. */
function rehypeNewsBody() {
  return (tree: Root) => {
    visit(tree, 'element', (node: Element, index, parent) => {
      // GFM task lists are the only place a (disabled) checkbox may appear; a form's inputs are dropped.
      if (node.tagName === 'input' && parent && index !== undefined && !isTaskListItem(parent)) {
        parent.children.splice(index, 1);
        return index;
      }
      if (node.tagName === 'h1') node.tagName = 'h2';
      if (node.tagName === 'a' && typeof node.properties['href'] === 'string' && /^(https?:)?\/\//i.test(node.properties['href'])) {
        node.properties['rel'] = ['noopener', 'noreferrer'];
      }
      if (node.tagName === 'img') {
        node.properties['loading'] = 'lazy';
        node.properties['decoding'] = 'async';
      }
      if (node.tagName === 'p') {
        const first = firstMeaningfulChild(node.children);
        if (first?.type === 'element' && first.tagName === 'strong' && /:\s*$/.test(toString(first))) {
          first.properties['className'] = ['lead-in'];
        }
      }
      return undefined;
    });
  };
}

function isTaskListItem(node: Parents): boolean {
  const className = node.type === 'element' ? node.properties['className'] : undefined;
  return Array.isArray(className) && className.includes('task-list-item');
}

function firstMeaningfulChild(children: RootContent[]): RootContent | undefined {
  return children.find((c) => !(c.type === 'text' && c.value.trim() === ''));
}

const pipeline = unified().use(rehypeSanitize, sanitizeSchema).use(rehypeSlug).use(rehypeNewsBody);

/**
 * Sanitizes a body tree and decorates it (heading ids, link rels, lead-ins): the one pipeline for both formats.
 * The sanitizer builds a new tree, so the input is left as it was.
 */
export function prepareHast(tree: Root): Root {
  return pipeline.runSync(tree) as Root;
}

/** Renders a prepared body tree to HTML. */
export function hastToHtml(tree: Root): string {
  return toHtml(tree);
}

/** The plain text of a body tree, for Similar News and descriptions. */
export function hastToText(tree: Root): string {
  return toString(tree).replace(/\s+/g, ' ').trim();
}
