import { createHash } from 'node:crypto';

/**
 * A page's cache key for Astro's incremental build: a digest of everything the page renders (its props and the
 * layout's shared data). Equal keys mean equal HTML, so Astro may copy the previous build's page.
 */
export function cacheKey(...parts: unknown[]): string {
  const hash = createHash('sha1');
  for (const part of parts) hash.update(JSON.stringify(part) ?? 'undefined').update('\0');
  return hash.digest('base64url');
}
