import type { CustomValidator, Path, ValidationError } from 'sanity';
import { foldToSlug, LIMITS, SLUG_MAX_LENGTH, SLUG_PATTERN, type SoftLimit } from '../src/lib/model/rules.ts';

// Each rule is a plain check (value in, `true` or an editor-worded message out) that tests call directly, plus a thin
// `CustomValidator` adapter that pulls the sibling values it needs out of Sanity's validation context. The numbers
// (limits, slug pattern) come from the content rules in src/lib/model/rules.ts, which the build enforces too.

/** Editor-facing messages, exported so tests assert the exact wording editors see. */
export const messages = {
  headlineTooLong: `Headlines over ${LIMITS.headline.max} characters get cut off on phones: shorten it`,
  dekTooLong: `Keep the dek under ${LIMITS.dek.max} characters: it is a summary, not the first paragraph`,
  altMissing: "Describe the image for readers who can't see it",
  slugFormat:
    'Use lower-case letters, digits and single hyphens only, like "budget-vote-delayed" (press Generate to rebuild it)',
  updatedBeforePublished: 'The update time must be later than the publish time',
  updateNoteWithoutTime: 'Set "Updated at" too, so readers know when this note was added',
  sourceNeedsUrl: "Add the source's web address, or clear the source name",
  sourceNeedsName: 'Name the source (for example "Reuters"), or clear the web address',
  sourceUrlScheme: 'Use a full web address starting with http:// or https://',
  linkScheme: 'Links must be full addresses starting with http://, https:// or mailto:',
  metaTitleTooLong: `Meta titles over ${LIMITS.metaTitle.warn} characters may be truncated`,
  metaTitleOverMax: `The site refuses meta titles over ${LIMITS.metaTitle.max} characters: shorten it`,
  metaDescriptionTooLong: `Meta descriptions over ${LIMITS.metaDescription.warn} characters get cut off in search results`,
  metaDescriptionOverMax: `The site refuses meta descriptions over ${LIMITS.metaDescription.max} characters: shorten it`,
  tooManyTags: `Use at most ${LIMITS.tags.max} tags: keep the ones readers would follow`,
  tooManyRelated: `Pin at most ${LIMITS.related.max} related stories: the story page shows ${LIMITS.related.max}`,
  relatedSelf: "A story can't be pinned as related to itself",
} as const;

/** `true` when `value` is at most `limit` characters, else `message` with the current count appended. */
export function checkMaxChars(value: unknown, limit: number, message: string): true | string {
  if (typeof value !== 'string' || value.length <= limit) return true;
  return `${message} (${value.length} characters, limit ${limit})`;
}

/** A validator that enforces `checkMaxChars` on a string or text field. */
export function maxChars(limit: number, message: string): CustomValidator<string | undefined> {
  return (value) => checkMaxChars(value, limit, message);
}

/**
 * `true` unless `value` is over `limit.warn` but within `limit.max`, else `message` with the count appended: the
 * warning of a soft limit, silent where the error of `limit.max` (a `checkMaxChars` rule beside it) takes over.
 */
export function checkSoftMaxChars(value: unknown, limit: SoftLimit, message: string): true | string {
  if (typeof value === 'string' && value.length > limit.max) return true;
  return checkMaxChars(value, limit.warn, message);
}

/** A validator (used as a warning) that enforces `checkSoftMaxChars`. */
export function softMaxChars(limit: SoftLimit, message: string): CustomValidator<string | undefined> {
  return (value) => checkSoftMaxChars(value, limit, message);
}

/** Turns a headline or name into a URL slug with the content rules' `foldToSlug`, cut to `maxLength`. */
export function slugify(input: string, maxLength: number = SLUG_MAX_LENGTH): string {
  const slug = foldToSlug(input);
  // Cut at a hyphen when possible so a slug never ends mid-word.
  if (slug.length <= maxLength) return slug;
  const cut = slug.slice(0, maxLength + 1);
  const lastHyphen = cut.lastIndexOf('-');
  return (lastHyphen > 0 ? cut.slice(0, lastHyphen) : slug.slice(0, maxLength)).replace(/-+$/, '');
}

/** `true` when a slug value (`{current}`) is set and matches `SLUG_PATTERN`; otherwise the message to show. */
export function checkSlug(value: unknown, missingMessage: string): true | string {
  const current = isRecord(value) ? value['current'] : undefined;
  if (typeof current !== 'string' || current.trim() === '') return missingMessage;
  return SLUG_PATTERN.test(current) ? true : `${messages.slugFormat}; now "${current}"`;
}

/**
 * A validator for a slug field: present and URL-safe. It is one custom rule instead of `required()` plus a custom
 * rule because every rule on a slug field carries Sanity's uniqueness check, which would then query twice.
 */
export function slugValid(missingMessage: string): CustomValidator<unknown> {
  return (value) => checkSlug(value, missingMessage);
}

/** `true` unless `image` has an uploaded asset and `alt` is blank. */
export function checkAltText(alt: unknown, image: unknown): true | string {
  const asset = isRecord(image) ? image['asset'] : undefined;
  const hasAsset = isRecord(asset) && typeof asset['_ref'] === 'string' && asset['_ref'] !== '';
  if (!hasAsset) return true;
  return typeof alt === 'string' && alt.trim() !== '' ? true : messages.altMissing;
}

/** A validator for an image's `alt` field: required as soon as the image has an asset. */
export const altRequiredWithAsset: CustomValidator<string | undefined> = (value, context) =>
  checkAltText(value, context.parent);

/** `true` unless both times are set and `updatedAt` is not strictly later than `publishedAt`. */
export function checkUpdatedAfterPublished(updatedAt: unknown, publishedAt: unknown): true | string {
  if (typeof updatedAt !== 'string' || typeof publishedAt !== 'string') return true;
  const updated = Date.parse(updatedAt);
  const published = Date.parse(publishedAt);
  if (Number.isNaN(updated) || Number.isNaN(published)) return true;
  return updated > published ? true : `${messages.updatedBeforePublished} (${publishedAt})`;
}

/** A validator for `updatedAt` that compares it with the document's `publishedAt`. */
export const updatedAfterPublished: CustomValidator<string | undefined> = (value, context) =>
  checkUpdatedAfterPublished(value, context.document?.['publishedAt']);

/** `true` unless an update note is written while `updatedAt` is empty. */
export function checkUpdateNoteHasTime(updateNote: unknown, updatedAt: unknown): true | string {
  const hasNote = typeof updateNote === 'string' && updateNote.trim() !== '';
  const hasTime = typeof updatedAt === 'string' && updatedAt !== '';
  return hasNote && !hasTime ? messages.updateNoteWithoutTime : true;
}

/** A validator for `updateNote` (used as a warning) that looks at the document's `updatedAt`. */
export const updateNoteHasTime: CustomValidator<string | undefined> = (value, context) =>
  checkUpdateNoteHasTime(value, context.document?.['updatedAt']);

/** `true` when a source object is empty or has both `name` and `url`; otherwise errors on the missing field. */
export function checkSourceComplete(source: unknown): true | ValidationError[] {
  if (!isRecord(source)) return true;
  const hasName = isFilled(source['name']);
  const hasUrl = isFilled(source['url']);
  if (hasName === hasUrl) return true;
  return hasName
    ? [{ message: messages.sourceNeedsUrl, path: ['url'] }]
    : [{ message: messages.sourceNeedsName, path: ['name'] }];
}

/** A validator for the `source` object that enforces `checkSourceComplete`. */
export const sourceComplete: CustomValidator<unknown> = (value) => checkSourceComplete(value);

/** `true` unless one of `refs` points at `documentId` (its published or draft id); errors point at that item. */
export function checkNotSelfReference(refs: unknown, documentId: string | undefined): true | ValidationError[] {
  if (!Array.isArray(refs) || !documentId) return true;
  const publishedId = documentId.replace(/^drafts\./, '');
  const errors: ValidationError[] = [];
  refs.forEach((ref: unknown, index) => {
    if (!isRecord(ref) || ref['_ref'] !== publishedId) return;
    const key = ref['_key'];
    const path: Path = typeof key === 'string' ? [{ _key: key }] : [index];
    errors.push({ message: messages.relatedSelf, path });
  });
  return errors.length === 0 ? true : errors;
}

/** A validator for `related` that rejects a story pinning itself. */
export const notSelfReference: CustomValidator<unknown> = (value, context) =>
  checkNotSelfReference(value, context.document?._id);

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isFilled(value: unknown): boolean {
  return typeof value === 'string' && value.trim() !== '';
}
