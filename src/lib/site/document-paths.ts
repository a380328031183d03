/**
 * The path of a document's page on the site (`/news/<slug>/`, `/section/<slug>/`, `/tags/<slug>/`, `/authors/<slug>/`),
 * from the document's fields as Sanity stores them. Browser-safe: the Studio imports it for "Open on site".
 */
import { tagSlug } from '../model/tags.ts';
import { urls } from './urls.ts';

/** The fields a path is made from. */
export interface PathDocument {
  _type?: unknown;
  slug?: { current?: unknown } | undefined;
  name?: unknown;
}

/** The page path of `doc`, or undefined for a type without pages or a document without a slug. */
export function documentPath(doc: PathDocument): string | undefined {
  const slug = typeof doc.slug?.current === 'string' && doc.slug.current !== '' ? doc.slug.current : undefined;
  switch (doc._type) {
    case 'story':
      return slug && urls.story(slug);
    case 'section':
      return slug && urls.section(slug);
    case 'author':
      return slug && urls.author(slug);
    case 'tag': {
      // A tag without a slug of its own is filed under its name folded to one (as the site's mapping does).
      const folded = slug ?? (typeof doc.name === 'string' ? tagSlug(doc.name) : '');
      return folded ? urls.tag(folded) : undefined;
    }
  }
  return undefined;
}
