/**
 * The site's URL scheme, in one place. Stories live at `/news/<slug>/`: the slug is unique across the site and does
 * not change when a story is updated or moves section, and the `/news/` prefix keeps story slugs from colliding with
 * section, tag and author routes. Listings page from `/…/<slug>/2/` on; page 1 has no number.
 */
export const urls = {
  home: () => '/',
  story: (slug: string) => `/news/${slug}/`,
  section: (slug: string, page = 1) => (page > 1 ? `/section/${slug}/${page}/` : `/section/${slug}/`),
  tags: () => '/tags/',
  tag: (slug: string, page = 1) => (page > 1 ? `/tags/${slug}/${page}/` : `/tags/${slug}/`),
  author: (slug: string) => `/authors/${slug}/`,
} as const;
