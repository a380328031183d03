/**
 * The content rules, once: the limits, slug pattern, block styles, list types, decorators and slug folding that
 * the Studio (`schemas/`) and the build (`src/lib`) both enforce, so that a document the Studio accepts also builds
 * and a story the build refuses is already flagged to its editor.
 *
 * Free of dependencies (no zod, no `sanity`), so both sides import it: the Studio bundle and the build's Node code.
 *
 * A limit is `{ max }` where the Studio and the build refuse the same thing, or `{ warn, max }` where the Studio
 * warns earlier than the build refuses: above `warn` the editor sees a warning and may still publish; above `max`
 * the Studio shows an error and the build refuses the story.
 */

/** Slugs in URLs (stories, sections, tags, authors): lower-case letters and digits in runs joined by single hyphens. */
export const SLUG_PATTERN = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

/** Longest slug the Studio generates; long enough for a headline's key words, short enough to share. */
export const SLUG_MAX_LENGTH = 96;

/** A limit both sides refuse above. */
export interface HardLimit {
  readonly max: number;
}

/** A limit the Studio warns above (`warn`) before the Studio and the build refuse above `max`. */
export interface SoftLimit extends HardLimit {
  readonly warn: number;
}

/** Text lengths in characters, list lengths in items. */
export const LIMITS = {
  /** Headlines over 120 characters wrap to four lines on a phone. */
  headline: { max: 120 },
  /** The dek is a summary under the headline, not the first paragraph. */
  dek: { max: 400 },
  updateNote: { max: 400 },
  /** A story's tag names, and the names of tag documents. */
  tagName: { max: 60 },
  sourceName: { max: 120 },
  imageCaption: { max: 300 },
  imageCredit: { max: 120 },
  /** More than 8 tags is tag spam: each tag page should list stories that are really about it. */
  tags: { max: 8 },
  /**
   * Pinned related stories: as many as the story page shows under Similar News (5 links, `similarLimit` in
   * src/lib/site.ts); pinned stories come first there and a pin beyond the fifth would push out every similar one.
   */
  related: { max: 5 },
  /** Search engines cut meta titles near 60 characters; past 70 most of it is lost. */
  metaTitle: { warn: 60, max: 70 },
  /** Search engines cut descriptions near 160 characters; past 200 it is a paragraph, not a description. */
  metaDescription: { warn: 160, max: 200 },
  /** A commenter's display name: a name, not a signature. */
  commentName: { max: 60 },
  /** A comment's text: a few paragraphs, not an essay. */
  commentText: { max: 2000 },
} as const satisfies Record<string, HardLimit | SoftLimit>;

/** Block styles a story's text blocks may have; the story headline is the page's h1, so bodies start at h2. */
export const BLOCK_STYLES = ['normal', 'h2', 'h3', 'h4', 'blockquote'] as const;
/** List types a text block may be an item of. */
export const LIST_TYPES = ['bullet', 'number'] as const;
/** Decorators a story's spans may carry; `leadIn` marks a "Why it matters:" label, rendered bold. */
export const DECORATORS = ['strong', 'em', 'code', 'strike-through', 'leadIn'] as const;

/** A text block style. */
export type BlockStyle = (typeof BLOCK_STYLES)[number];
/** A list type. */
export type ListType = (typeof LIST_TYPES)[number];
/** A span decorator. */
export type Decorator = (typeof DECORATORS)[number];

/**
 * Folds text to a slug: accents stripped, lower-cased, `&` read as "and", apostrophes dropped, every other run of
 * non-alphanumerics a single hyphen. "Peace plan", "peace-plan" and "PEACE  PLAN" all fold to `peace-plan`; text
 * without a letter or digit folds to "".
 */
export function foldToSlug(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/&/g, ' and ')
    .replace(/['’]/g, '')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
}
