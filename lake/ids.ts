import { randomBytes } from 'node:crypto';
import * as ids from '@sanity/id-utils';
import type { DocumentId, VersionId } from '@sanity/id-utils';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** A random 22-character base62 id, the shape Sanity uses for transaction and generated document ids. */
export function randomId(length = 22): string {
  // 256 % 62 != 0, so reject bytes >= 248 to keep every character equally likely.
  let out = '';
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      if (byte < 248 && out.length < length) out += BASE62[byte % 62];
    }
  }
  return out;
}

/** Whether `id` is a valid Sanity document id: letters, digits, `_`, `-` and `.`-separated path segments, at most 128 characters. */
export function isValidDocumentId(id: string): boolean {
  return id.length > 0 && id.length <= 128 && /^[A-Za-z0-9_][A-Za-z0-9_-]*(\.[A-Za-z0-9_-]+)*$/.test(id);
}

/** Whether `id` sits under a path (`drafts.x`, `versions.r1.x`, `a.b`): Sanity keeps those private to authenticated readers. */
export function isPrivateId(id: string): boolean {
  return id.includes('.');
}

// Draft and version ids are parsed by @sanity/id-utils, which types ids as branded strings: the lake's ids arrive as
// plain strings (checked by isValidDocumentId or not at all), hence the casts.

/** Whether `id` is a draft (`drafts.x`). */
export function isDraftId(id: string): boolean {
  return ids.isDraftId(id as DocumentId);
}

/** Whether `id` is a release version (`versions.<release>.x`). */
export function isVersionId(id: string): boolean {
  return ids.isVersionId(id as DocumentId);
}

/**
 * The published id a draft or version belongs to (`drafts.x` and `versions.r.x` -> `x`). The package throws on an id
 * it would not write (`drafts.` alone, `versions.r` with no document id, `drafts.drafts.x`); the lake answers for any
 * id it is sent, and takes what follows the prefix (and the release name) for those.
 */
export function publishedIdOf(id: string): string {
  try {
    return ids.getPublishedId(id as DocumentId);
  } catch {
    const rest = id.slice(id.indexOf('.') + 1);
    return isVersionId(id) && rest.includes('.') ? rest.slice(rest.indexOf('.') + 1) : rest;
  }
}

/** The release name of a version id (`versions.r1.x` -> `r1`), or undefined (also for `versions.r1`, which names no document). */
export function releaseOf(id: string): string | undefined {
  return isVersionId(id) && id.indexOf('.', 'versions.'.length) !== -1
    ? ids.getVersionNameFromId(id as VersionId)
    : undefined;
}

/** The current time as Sanity writes `_createdAt`/`_updatedAt`: ISO 8601, UTC, whole seconds. */
export function sanityTimestamp(date: Date = new Date()): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
