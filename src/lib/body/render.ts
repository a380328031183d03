import type { Element, Parents, Root, RootContent } from 'hast';
import { toHtml } from 'hast-util-to-html';
import GithubSlugger from 'github-slugger';
import { toString } from 'hast-util-to-string';
import rehypeSanitize, { defaultSchema, type Options as SanitizeSchema } from 'rehype-sanitize';
import { unified } from 'unified';

/**
 * What a story body may contain, on top of GitHub's sanitize schema (no script, style, iframe, form, object,
 * event handlers or `javascript:` URLs). Figures are allowed for captioned images. Video embeds are not: an
 * iframe in a story is dropped, and the editor should link to the video instead.
 */
export const sanitizeSchema: SanitizeSchema = {
  ...defaultSchema,
  // Keep heading ids readable (they are given after sanitizing, so no clobber prefix is needed on them).
  tagNames: [...(defaultSchema.tagNames ?? []), 'figure', 'figcaption'],
  attributes: {
    ...defaultSchema.attributes,
    img: ['src', 'alt', 'title', 'width', 'height'],
    a: ['href', 'title'],
  },
  protocols: { ...defaultSchema.protocols, href: ['http', 'https', 'mailto'], src: ['http', 'https'] },
};

const slugger = new GithubSlugger();
const HEADING = /^h[1-6]$/;
const EXTERNAL = /^(https?:)?\/\//i;
const LEAD_IN = /:\s*$/;

/**
 * Decorates a sanitized body tree in one walk, in document order: heading ids (GitHub's slugs, as rehype-slug
 * gives them), stray h1s demoted, external links marked, images lazy-loaded, "Why it matters:" lead-ins styled, and
 * inputs dropped except a task list's checkboxes. (rehype-slug and a `visit` for the rest walked the tree twice and
 * cost ten times as much, most of a body's rendering.)
 */
function rehypeNewsBody() {
  return (tree: Root) => {
    slugger.reset();
    decorate(tree);
  };
}

function decorate(parent: Root | Element): void {
  const children = parent.children;
  for (let i = 0; i < children.length; i += 1) {
    const node = children[i];
    if (node?.type !== 'element') continue;
    // GFM task lists are the only place a (disabled) checkbox may appear; a form's inputs are dropped.
    if (node.tagName === 'input' && !isTaskListItem(parent)) {
      children.splice(i, 1);
      i -= 1;
      continue;
    }
    if (HEADING.test(node.tagName) && !node.properties['id']) node.properties['id'] = slugger.slug(toString(node));
    if (node.tagName === 'h1') node.tagName = 'h2';
    if (node.tagName === 'a' && typeof node.properties['href'] === 'string' && EXTERNAL.test(node.properties['href'])) {
      node.properties['rel'] = ['noopener', 'noreferrer'];
    }
    if (node.tagName === 'img') {
      node.properties['loading'] = 'lazy';
      node.properties['decoding'] = 'async';
    }
    if (node.tagName === 'p') {
      const first = firstMeaningfulChild(node.children);
      if (first?.type === 'element' && first.tagName === 'strong' && LEAD_IN.test(toString(first))) {
        first.properties['className'] = ['lead-in'];
      }
    }
    decorate(node);
  }
}

function isTaskListItem(node: Parents): boolean {
  const className = node.type === 'element' ? node.properties['className'] : undefined;
  return Array.isArray(className) && className.includes('task-list-item');
}

function firstMeaningfulChild(children: RootContent[]): RootContent | undefined {
  return children.find((c) => !(c.type === 'text' && c.value.trim() === ''));
}

const pipeline = unified().use(rehypeSanitize, sanitizeSchema).use(rehypeNewsBody);

/**
 * Sanitizes a body tree and decorates it (heading ids, link rels, lead-ins): the one pipeline for both formats.
 * The sanitizer builds a new tree, so the input is left as it was.
 */
export function prepareHast(tree: Root): Root {
  return pipeline.runSync(tree);
}

/** Renders a prepared body tree to HTML. */
export function hastToHtml(tree: Root): string {
  return toHtml(tree);
}

/** The plain text of a body tree, for Similar News and descriptions. */
export function hastToText(tree: Root): string {
  return toString(tree).replace(/\s+/g, ' ').trim();
}
