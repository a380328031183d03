import { z } from 'zod';
import { SLUG_PATTERN } from './rules.ts';
import { isImageUrl } from '../site/urls.ts';

const slug = z
  .string({ error: 'expected a slug' })
  .regex(SLUG_PATTERN, { error: 'expected a slug of lower-case letters, digits and hyphens, like "us-politics"' });
const name = z.string({ error: 'expected a name' }).trim().min(1, { error: 'expected a non-empty name' });

/** A section of the site ("World", "Business"), from `content/sections.yaml` or Sanity `section` documents. */
export const sectionSchema = z.object({ slug, name, description: z.string().trim().min(1).optional() }).strict();
/** A section of the site. */
export type Section = z.output<typeof sectionSchema>;

/** A byline author, from `content/authors.yaml` or Sanity `author` documents. */
export const authorSchema = z
  .object({
    slug,
    name,
    bio: z.string().trim().min(1).optional(),
    role: z.string().trim().min(1).optional(),
    image: z
      .object({
        src: z.string().refine(isImageUrl, {
          error: 'expected the portrait URL to be a site path like /images/jane.jpg or an https:// URL',
        }),
        alt: z.string().trim().min(1, { error: 'expected alt text for the portrait' }),
      })
      .strict()
      .optional(),
  })
  .strict();
/** A byline author. */
export type Author = z.output<typeof authorSchema>;
