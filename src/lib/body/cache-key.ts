import { hash } from 'node:crypto';

/**
 * A page's cache key: a digest of everything the page renders (its props and the layout's shared data). Equal keys
 * mean equal HTML, so a build may keep the page it has (Astro's incremental build; the rebuild service's plans).
 */
export function cacheKey(...parts: unknown[]): string {
  return hash('sha1', parts.map((part) => JSON.stringify(part) ?? 'undefined').join('\0'), 'base64url');
}
