/** The site's name, shown in the header and in titles. */
export const SITE_TITLE = 'Newsdesk';
/** The site's one-line description, for the home page and feeds. */
export const SITE_DESCRIPTION = 'Smart, brief news: the stories that matter, what they mean, and what to watch.';
/** Stories per page on section and tag listings. */
export const PAGE_SIZE = 10;
/** How many stories each section rail on the home page shows. */
export const RAIL_SIZE = 4;
/** The language of the site's text (the pages' `lang`, the feeds' and the news sitemap's language). */
export const SITE_LANGUAGE = 'en';
