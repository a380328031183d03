/**
 * The site's URL scheme, in one place. Stories live at `/news/<slug>/`: the slug is unique across the site and does
 * not change when a story is updated or moves section, and the `/news/` prefix keeps story slugs from colliding with
 * section, tag and author routes. A listing's front page has no number; its archive pages are `/…/<slug>/<n>/`, counted
 * from the oldest stories so that a page's address keeps its stories (see paginate.ts).
 */
/** Where the story pages' comment form posts (the comments endpoint, rebuild/comments.ts). */
export const COMMENTS_PATH = '/comments';

/** The id of a story page's notice "your comment awaits moderation": the endpoint sends the reader back to it. */
export const COMMENT_RECEIVED = 'comment-received';

export const urls = {
  home: () => '/',
  story: (slug: string) => `/news/${slug}/`,
  section: (slug: string, page?: number) => `/section/${slug}/${page === undefined ? '' : `${page}/`}`,
  tags: () => '/tags/',
  tag: (slug: string, page?: number) => `/tags/${slug}/${page === undefined ? '' : `${page}/`}`,
  author: (slug: string, page?: number) => `/authors/${slug}/${page === undefined ? '' : `${page}/`}`,
} as const;

/**
 * A path on this site: `/` and then no second `/` or `\` (browsers read `//host` and `/\host` as another host), no
 * `..` segment (the import reads images from `public/` by this path), no whitespace or control characters.
 */
export function isSitePath(value: string): boolean {
  return /^\/(?![/\\])/.test(value) && !/[\s\\\p{Cc}]/u.test(value) && !upTo(value, /[?#]/).split('/').includes('..');
}

/** The part of `value` before the first match of `pattern`, or all of it. */
function upTo(value: string, pattern: RegExp): string {
  const end = value.search(pattern);
  return end === -1 ? value : value.slice(0, end);
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/**
 * Whether an image URL may reach an `<img>` or `og:image`: a site path or an https URL. Plain http is accepted for
 * loopback hosts only, where the local Sanity-compatible API serves its assets during development.
 */
export function isImageUrl(value: string): boolean {
  if (isSitePath(value)) return true;
  if (!/^https?:\/\//i.test(value) || /[\s\p{Cc}]/u.test(value) || !URL.canParse(value)) return false;
  // The pattern above lets only http: and https: through.
  const url = new URL(value);
  return url.protocol === 'https:' || LOOPBACK.has(url.hostname);
}

/**
 * The URLs of a `srcset` attribute with their descriptors, read as browsers read it (a URL runs to the next
 * whitespace; a comma ends a candidate), or `undefined` when a candidate's descriptor is not `<n>w` or `<n>x`.
 */
export function srcsetUrls(srcset: string): string[] | undefined {
  const urls: string[] = [];
  let rest = srcset;
  for (;;) {
    rest = rest.replace(/^[\s,]+/, '');
    if (rest === '') return urls;
    const url = upTo(rest, /\s/);
    rest = rest.slice(url.length);
    if (url.endsWith(',')) {
      urls.push(url.replace(/,+$/, ''));
      continue;
    }
    const end = rest.indexOf(',');
    const descriptor = (end === -1 ? rest : rest.slice(0, end)).trim();
    rest = end === -1 ? '' : rest.slice(end + 1);
    if (descriptor !== '' && !/^\d+(?:\.\d+)?[wx]$/.test(descriptor)) return undefined;
    urls.push(url);
  }
}
