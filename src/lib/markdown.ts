import type { Root } from 'hast';
import rehypeRaw from 'rehype-raw';
import remarkGfm from 'remark-gfm';
import remarkParse from 'remark-parse';
import remarkRehype from 'remark-rehype';
import { unified } from 'unified';

const processor = unified()
  .use(remarkParse)
  .use(remarkGfm)
  // Raw HTML is parsed into the tree (rehype-raw) so that the sanitizer sees it as elements, not as opaque text.
  .use(remarkRehype, { allowDangerousHtml: true })
  .use(rehypeRaw);

/** Parses a markdown story body (GFM) into an unsanitized hast tree; `renderHast` makes it safe. */
export function markdownToHast(markdown: string): Root {
  const mdast = processor.parse(markdown);
  return processor.runSync(mdast) as Root;
}
