import type { Root } from 'hast';
import rehypeRaw from 'rehype-raw';
import remarkGfm from 'remark-gfm';
import remarkParse from 'remark-parse';
import remarkRehype from 'remark-rehype';
import { unified } from 'unified';

const toHast = unified().use(remarkParse).use(remarkGfm).use(remarkRehype, { allowDangerousHtml: true });
// Raw HTML is parsed into the tree (rehype-raw) so that the sanitizer sees it as elements, not as opaque text.
// Parsing costs a millisecond a story, so it runs only when the markdown holds raw HTML.
const withRaw = unified().use(rehypeRaw);

/** Parses a markdown story body (GFM) into an unsanitized hast tree; `prepareHast` makes it safe. */
export function markdownToHast(markdown: string): Root {
  const mdast = toHast.parse(markdown);
  const hasHtml = mdast.children.length > 0 && JSON.stringify(mdast).includes('"type":"html"');
  const hast = toHast.runSync(mdast) as Root;
  return hasHtml ? (withRaw.runSync(hast) as Root) : hast;
}
