import { randomBytes } from 'node:crypto';

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

/** Whether `id` is a draft (`drafts.x`). */
export function isDraftId(id: string): boolean {
  return id.startsWith('drafts.');
}

/** Whether `id` is a release version (`versions.<release>.x`). */
export function isVersionId(id: string): boolean {
  return id.startsWith('versions.');
}

/** The published id a draft or version belongs to (`drafts.x` and `versions.r.x` -> `x`). */
export function publishedIdOf(id: string): string {
  if (isDraftId(id)) return id.slice('drafts.'.length);
  if (isVersionId(id)) {
    const rest = id.slice('versions.'.length);
    const dot = rest.indexOf('.');
    return dot === -1 ? rest : rest.slice(dot + 1);
  }
  return id;
}

/** The release name of a version id (`versions.r1.x` -> `r1`), or undefined. */
export function releaseOf(id: string): string | undefined {
  if (!isVersionId(id)) return undefined;
  const rest = id.slice('versions.'.length);
  const dot = rest.indexOf('.');
  return dot === -1 ? undefined : rest.slice(0, dot);
}

/** The current time as Sanity writes `_createdAt`/`_updatedAt`: ISO 8601, UTC, whole seconds. */
export function sanityTimestamp(date: Date = new Date()): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
