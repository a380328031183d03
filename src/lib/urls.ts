/**
 * The site's URL scheme, in one place. Stories live at `/news/<slug>/`: the slug is unique across the site and does
 * not change when a story is updated or moves section, and the `/news/` prefix keeps story slugs from colliding with
 * section, tag and author routes. A listing's front page has no number; its archive pages are `/…/<slug>/<n>/`, counted
 * from the oldest stories so that a page's address keeps its stories (see paginate.ts).
 */
export const urls = {
  home: () => '/',
  story: (slug: string) => `/news/${slug}/`,
  section: (slug: string, page?: number) => `/section/${slug}/${page === undefined ? '' : `${page}/`}`,
  tags: () => '/tags/',
  tag: (slug: string, page?: number) => `/tags/${slug}/${page === undefined ? '' : `${page}/`}`,
  author: (slug: string, page?: number) => `/authors/${slug}/${page === undefined ? '' : `${page}/`}`,
} as const;
