import { z } from 'zod';
import { describeValue, type ContentIssue } from './content-error.ts';
import { markdownProblems } from '../body/markdown.ts';
import { LIMITS, SLUG_PATTERN } from './rules.ts';
import { portableTextProblems } from '../body/portable-text.ts';
import { tagSlug } from './tags.ts';
import { isImageUrl, srcsetUrls } from '../site/urls.ts';

/** The largest story body accepted, in bytes of its source (markdown text, or Portable Text as JSON). */
export const MAX_BODY_BYTES = 1024 * 1024;

/** A size for a message, exact and readable: `1,320,150 bytes (1.3 MB)`. */
export function formatBytes(bytes: number): string {
  const mb = bytes / (1024 * 1024);
  // Stryker disable next-line EqualityOperator: no whole number of bytes is exactly 0.1 MB, so >= and > agree
  return `${bytes.toLocaleString('en-US')} bytes (${mb >= 0.1 ? `${Number(mb.toFixed(1))} MB` : `${Math.ceil(bytes / 1024)} kB`})`;
}

/**
 * Reports a problem from a refinement. A `complete` message already says what was received, so parseStory adds
 * nothing to it; `hint` says how to fix it.
 */
function report(
  ctx: z.RefinementCtx,
  message: string,
  details: { input?: unknown; path?: PropertyKey[]; complete?: true; hint?: string } = {},
): void {
  const { input, path, complete, hint } = details;
  ctx.addIssue({
    code: 'custom',
    message,
    input,
    ...(path && { path }),
    ...(complete && { params: { complete, hint } }),
  });
}

const text = (max: number) =>
  z
    .string({ error: 'expected text' })
    .trim()
    .min(1, { error: 'expected non-empty text' })
    .max(max, { error: `expected at most ${max} characters` });

const slug = z
  .string({ error: 'expected a slug' })
  .regex(SLUG_PATTERN, { error: 'expected a slug of lower-case letters, digits and hyphens, like "peace-plan"' });

/** Dates arrive as YAML timestamps (Date) or strings; both become ISO 8601 strings in UTC. */
const isoDate = z
  .union([z.date(), z.string()], { error: 'expected a date like 2025-11-20T14:30:00Z' })
  .transform((value, ctx) => {
    const date = value instanceof Date ? value : parseIsoDate(value);
    if (!date || Number.isNaN(date.getTime())) {
      report(ctx, 'expected a date like 2025-11-20T14:30:00Z (ISO 8601, with a time zone)', { input: value });
      return z.NEVER;
    }
    return date.toISOString();
  });

/** Accepts `YYYY-MM-DD` or a full ISO 8601 date-time with an explicit zone; rejects the rest. */
function parseIsoDate(value: string): Date | undefined {
  const text = value.trim();
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(Z|[+-]\d{2}:?\d{2}))?$/.exec(text);
  if (!m) return undefined;
  const [matched] = m;
  const date = new Date(m[4] ? matched.replace(' ', 'T') : `${matched}T00:00:00Z`);
  // Reject dates that JavaScript silently rolls over, such as 2025-02-30.
  if (Number.isNaN(date.getTime())) return undefined;
  if (!m[4] && date.toISOString().slice(0, 10) !== matched) return undefined;
  return date;
}

const httpUrl = z
  .string({ error: 'expected a URL' })
  .trim()
  .refine((u) => /^https?:\/\//i.test(u) && URL.canParse(u), {
    error: 'expected an http(s) URL like https://example.com/story',
  });

const imageUrl = (what: string) =>
  z
    .string({ error: `expected the ${what} as text` })
    .trim()
    .max(2000, { error: `expected the ${what} in at most 2000 characters` })
    .refine(isImageUrl, {
      error: `expected the ${what} to be a site path like /images/photo.jpg or an https:// URL`,
    });

const srcset = z.string({ error: 'expected a srcset as text' }).superRefine((value, ctx) => {
  const urls = srcsetUrls(value);
  if (!urls) report(ctx, 'expected a srcset like "/a-480.jpg 480w, /a-800.jpg 800w"', { input: value });
  else if (!urls.every(isImageUrl))
    report(ctx, 'expected every srcset URL to be a site path like /images/photo.jpg or an https:// URL', {
      input: value,
    });
});

/** The body's size, checked before anything else looks at it. */
function bodyTooLarge(bytes: number, ctx: z.RefinementCtx): boolean {
  if (bytes <= MAX_BODY_BYTES) return false;
  report(ctx, `the body is ${formatBytes(bytes)}, over the limit of ${formatBytes(MAX_BODY_BYTES)}`, {
    complete: true,
    hint: 'split the story in two, or move large material (tables, data) out of the body',
  });
  return true;
}

/** A story body in one of the two formats the render pipeline accepts, within the limits that bound rendering. */
export const storyBodySchema = z.discriminatedUnion('format', [
  z.object({
    format: z.literal('markdown'),
    value: z.string().superRefine((value, ctx) => {
      if (bodyTooLarge(Buffer.byteLength(value), ctx)) return;
      for (const { message, hint } of markdownProblems(value)) report(ctx, message, { complete: true, hint });
    }),
  }),
  z.object({
    format: z.literal('portable-text'),
    value: z.array(z.unknown(), { error: 'expected a list of blocks' }).superRefine((value, ctx) => {
      if (bodyTooLarge(Buffer.byteLength(JSON.stringify(value)), ctx)) return;
      for (const problem of portableTextProblems(value))
        report(ctx, problem.message, { path: problem.path, complete: true });
    }),
  }),
]);

const tagName = text(LIMITS.tagName.max).refine((name) => name === '' || tagSlug(name) !== '', {
  error: 'expected a tag name with at least one letter or digit',
});

/** The fields of a story, whatever its source (markdown front matter or a Sanity document). */
export const storySchema = z
  .object({
    title: text(LIMITS.headline.max),
    slug,
    dek: text(LIMITS.dek.max),
    publishedAt: isoDate,
    updatedAt: isoDate.optional(),
    updateNote: text(LIMITS.updateNote.max).optional(),
    section: slug,
    tags: z
      .array(tagName, { error: 'expected a list of tag names' })
      .max(LIMITS.tags.max, { error: `expected at most ${LIMITS.tags.max} tags` })
      .default([]),
    authors: z
      .array(slug, { error: 'expected a list of author slugs' })
      .min(1, { error: 'expected at least one author' }),
    source: z
      .object(
        { name: text(LIMITS.sourceName.max), url: httpUrl },
        { error: 'expected {name, url} for the outlet the story reports on' },
      )
      .strict()
      .optional(),
    image: z
      .object(
        {
          src: imageUrl('image URL'),
          alt: z
            .string({ error: 'expected alt text describing the image for readers who cannot see it' })
            .trim()
            .min(1, {
              error: 'expected alt text describing the image for readers who cannot see it',
            }),
          caption: text(LIMITS.imageCaption.max).optional(),
          credit: text(LIMITS.imageCredit.max).optional(),
          srcset: srcset.optional(),
          width: z.number().int().positive().optional(),
          height: z.number().int().positive().optional(),
        },
        { error: 'expected {src, alt, caption, credit}' },
      )
      .strict()
      .optional(),
    seo: z
      .object({
        metaTitle: text(LIMITS.metaTitle.max).optional(),
        metaDescription: text(LIMITS.metaDescription.max).optional(),
      })
      .strict()
      .optional(),
    related: z
      .array(slug)
      .max(LIMITS.related.max, { error: `expected at most ${LIMITS.related.max} pinned related stories` })
      .default([]),
    draft: z.boolean({ error: 'expected true or false' }).default(false),
    /** Readers may no longer comment; approved comments stay on the page. */
    commentsClosed: z.boolean({ error: 'expected true or false' }).default(false),
    body: storyBodySchema,
  })
  .strict()
  .superRefine((s, ctx) => {
    if (s.updatedAt && s.updatedAt < s.publishedAt)
      report(ctx, `expected a time after publishedAt (${s.publishedAt})`, { path: ['updatedAt'], input: s.updatedAt });
  });

/** The validated fields of a story. */
export type StoryFields = z.output<typeof storySchema>;
/** A story's body: markdown text or Portable Text blocks. */
export type StoryBody = z.output<typeof storyBodySchema>;
/** A validated story with its stable id (the file's or the Sanity document's). */
export type Story = StoryFields & { id: string };

/** Formats a Zod path as `tags[2]` / `source.url`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) out += typeof key === 'number' ? `[${key}]` : out ? `.${String(key)}` : String(key);
  return out;
}

/** Validates raw story fields; returns the story or every issue found, each naming `where` and the field. */
export function parseStory(
  id: string,
  where: string,
  raw: unknown,
): { story: Story; issues: [] } | { story?: undefined; issues: ContentIssue[] } {
  const result = storySchema.safeParse(raw, { reportInput: true });
  if (result.success) return { story: { id, ...result.data }, issues: [] };
  const issues = result.error.issues.map((issue): ContentIssue => {
    // The body's own problems are reported on `body`, as an editor sees it: `body[3].children`, not `body.value[3]…`.
    // Stryker disable next-line Regex: only the body's own paths hold body.value, and they start with it
    const field = formatPath(issue.path).replace(/^body\.value/, 'body');
    if (issue.code === 'unrecognized_keys') {
      return {
        where,
        field,
        message: `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}`,
        hint: `known fields are ${Object.keys(storySchema.shape ?? {}).join(', ')}`,
      };
    }
    // Messages that already say what was received (a body's size and shapes) are complete as they are.
    if (
      // Stryker disable next-line ConditionalExpression: only custom issues carry params (this narrows the type)
      issue.code === 'custom' &&
      issue.params?.['complete'] === true
    ) {
      const hint: unknown = issue.params['hint'];
      return { where, field, message: issue.message, ...(typeof hint === 'string' ? { hint } : {}) };
    }
    const received = describeValue(issue.input);
    return { where, field, message: `${issue.message}, received ${received}` };
  });
  return { issues };
}

/** The fields of a story that other entries must agree with, read leniently so an invalid story is still cross-checked. */
export interface StoryRefs {
  slug?: string;
  section?: string;
  authors?: string[];
  related?: string[];
}

/** Picks the cross-checked fields out of raw story data, keeping only those of the right type. */
export function storyRefs(raw: Record<string, unknown>): StoryRefs {
  const str = (v: unknown) => (typeof v === 'string' && v ? v : undefined);
  const list = (v: unknown) =>
    Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string' && x !== '') : undefined;
  const refs: StoryRefs = {};
  const slug = str(raw['slug']);
  const section = str(raw['section']);
  const authors = list(raw['authors']);
  const related = list(raw['related']);
  if (slug) refs.slug = slug;
  if (section) refs.section = section;
  if (authors) refs.authors = authors;
  if (related) refs.related = related;
  return refs;
}
