import { z } from 'zod';
import type { ContentIssue } from './content-error.ts';
import { foldToSlug, LIMITS, SLUG_PATTERN } from './rules.ts';

/**
 * Folds a tag name to its URL slug with the content rules' `foldToSlug`, the same folding the Studio's slug button
 * uses: "Peace plan", "peace-plan" and "PEACE  PLAN" all fold to `peace-plan`.
 */
export function tagSlug(name: string): string {
  return foldToSlug(name);
}

/** A tag in the shared vocabulary (`content/tags.yaml` or Sanity `tag` documents). */
export const tagDefSchema = z
  .object({
    name: z
      .string({ error: 'expected a tag name' })
      .trim()
      .min(1, { error: 'expected a non-empty tag name' })
      .max(LIMITS.tagName.max, { error: `expected a tag name of at most ${LIMITS.tagName.max} characters` }),
    slug: z.string().regex(SLUG_PATTERN, { error: 'expected a slug like "peace-plan"' }).optional(),
    description: z.string().trim().min(1).optional(),
    aliases: z.array(z.string().trim().min(1, { error: 'expected a non-empty alias' })).default([]),
  })
  .strict();

/** A tag as the site uses it. */
export interface Tag {
  slug: string;
  name: string;
  description?: string;
}

/** Maps any spelling of a tag (name or alias, folded) to its tag. */
export interface TagVocabulary {
  resolve(name: string): Tag;
}

/** Builds the vocabulary from tag definitions; reports names or aliases of different tags that fold to one slug. */
export function buildTagVocabulary(defs: readonly { def: z.output<typeof tagDefSchema>; where: string }[]): {
  vocabulary: TagVocabulary;
  issues: ContentIssue[];
} {
  const issues: ContentIssue[] = [];
  const bySpelling = new Map<string, { tag: Tag; where: string; spelling: string }>();
  for (const { def, where } of defs) {
    const tag: Tag = {
      slug: def.slug ?? tagSlug(def.name),
      name: def.name,
      ...(def.description ? { description: def.description } : {}),
    };
    if (!tag.slug) {
      issues.push({
        where,
        field: 'name',
        message: `expected a name with at least one letter or digit, received ${JSON.stringify(def.name)}`,
      });
      continue;
    }
    for (const [field, spelling] of [
      ['name', def.name],
      ...def.aliases.map((a, i) => [`aliases[${i}]`, a] as const),
    ] as const) {
      const key = tagSlug(spelling);
      // A name given with an explicit slug may be all punctuation; an alias that folds to nothing matches nothing.
      if (key === '') {
        if (field !== 'name')
          issues.push({
            where,
            field,
            message: `expected an alias with at least one letter or digit, received ${JSON.stringify(spelling)}`,
          });
        continue;
      }
      const seen = bySpelling.get(key);
      if (seen && seen.tag !== tag) {
        issues.push({
          where,
          field,
          message: `"${spelling}" folds to the slug "${key}", which ${seen.where} already uses for "${seen.spelling}" (tag "${seen.tag.name}")`,
          hint: 'merge the two tags, or make one an alias of the other',
        });
        continue;
      }
      if (!seen) bySpelling.set(key, { tag, where, spelling });
    }
    // The slug itself also resolves, so that stories may use it.
    if (!bySpelling.has(tag.slug)) bySpelling.set(tag.slug, { tag, where, spelling: tag.slug });
  }
  const adHoc = new Map<string, Tag>();
  return {
    issues,
    vocabulary: {
      resolve(name) {
        const key = tagSlug(name);
        const known = bySpelling.get(key)?.tag;
        if (known) return known;
        // A tag outside the vocabulary is allowed; its first spelling seen (stories are read in id order) names it.
        let tag = adHoc.get(key);
        if (!tag) adHoc.set(key, (tag = { slug: key, name: name.trim() }));
        return tag;
      },
    },
  };
}

/** A tag with the number of stories carrying it. */
export interface TagCount extends Tag {
  count: number;
}

/** The tag index: the most used tags, and every tag grouped A to Z under its first letter. */
export function tagIndex<T extends TagCount>(
  tags: readonly T[],
  popularCount = 20,
): { popular: T[]; letters: { letter: string; tags: T[] }[] } {
  const popular = [...tags].sort((a, b) => b.count - a.count || a.slug.localeCompare(b.slug)).slice(0, popularCount);
  const groups = new Map<string, T[]>();
  for (const tag of [...tags].sort((a, b) => a.slug.localeCompare(b.slug))) {
    const first = tag.slug.charAt(0);
    const letter = /[a-z]/.test(first) ? first.toUpperCase() : '#';
    const group = groups.get(letter) ?? [];
    group.push(tag);
    groups.set(letter, group);
  }
  const letters = [...groups.entries()]
    .sort(([a], [b]) => (a === '#' ? 1 : b === '#' ? -1 : a.localeCompare(b)))
    .map(([letter, list]) => ({ letter, tags: list }));
  return { popular, letters };
}
