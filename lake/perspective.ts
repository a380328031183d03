import { dataError } from './errors.ts';
import { isDraftId, isPrivateId, isVersionId, publishedIdOf, releaseOf } from './ids.ts';
import type { SanityDoc } from './types.ts';

/**
 * How a query sees the dataset. `raw`: every document as stored. A stack (`['drafts', 'published']`, or release
 * names first): one document per published id, the first layer that has it winning.
 */
export type Perspective = { kind: 'raw' } | { kind: 'stack'; layers: string[] };

/** The first API version whose default perspective is `published` (older versions default to `raw`). */
export const PUBLISHED_DEFAULT_SINCE = '2025-02-19';

/** Whether `apiVersion` (`1`, `X`, `2025-02-19`) defaults queries to the `published` perspective. */
export function defaultsToPublished(apiVersion: string): boolean {
  return apiVersion === 'X' || (/^\d{4}-\d{2}-\d{2}$/.test(apiVersion) && apiVersion >= PUBLISHED_DEFAULT_SINCE);
}

/**
 * Reads the `perspective` parameter. `explicit` is false when it was absent and the API version's default applied:
 * an anonymous reader may then still query (Sanity hides private documents from it instead of refusing).
 */
export function perspectiveFrom(
  param: string | null | undefined,
  apiVersion: string,
): { perspective: Perspective; explicit: boolean } {
  if (param === null || param === undefined || param === '') {
    return {
      perspective: defaultsToPublished(apiVersion) ? { kind: 'stack', layers: ['published'] } : { kind: 'raw' },
      explicit: false,
    };
  }
  const names = param
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '');
  if (names.includes('raw')) {
    if (names.length > 1)
      throw dataError(
        400,
        'httpBadRequest',
        `Invalid perspective "${param}": "raw" can not be combined with other perspectives`,
      );
    return { perspective: { kind: 'raw' }, explicit: true };
  }
  const layers: string[] = [];
  for (const name of names) {
    const layer = name === 'previewDrafts' ? 'drafts' : name;
    if (!/^[A-Za-z0-9_-]+$/.test(layer)) {
      throw dataError(
        400,
        'httpBadRequest',
        `Invalid perspective "${param}": "${name}" is not "raw", "published", "drafts" or a release name`,
      );
    }
    if (!layers.includes(layer)) layers.push(layer);
  }
  // Published is the base every stack falls back to, as in Sanity (`['drafts']` means drafts over published).
  if (!layers.includes('published')) layers.push('published');
  return { perspective: { kind: 'stack', layers }, explicit: true };
}

/** Whether a perspective can show anything besides published documents, and so needs an authenticated reader. */
export function needsAuth(perspective: Perspective): boolean {
  return perspective.kind === 'raw' || perspective.layers.some((layer) => layer !== 'published');
}

/** A stable cache key for a perspective. */
export function perspectiveKey(perspective: Perspective): string {
  return perspective.kind === 'raw' ? 'raw' : perspective.layers.join(',');
}

function layerOf(id: string): string {
  if (isDraftId(id)) return 'drafts';
  if (isVersionId(id)) return releaseOf(id) ?? 'published';
  return 'published';
}

/**
 * The documents a perspective shows, sorted by `_id` so that unordered queries answer the same way every time.
 * In a stack, an overlaid document carries the published `_id` and its own id in `_originalId`.
 * `anonymous` readers never see private (dotted) ids, whatever the perspective.
 */
export function viewOf(docs: Iterable<SanityDoc>, perspective: Perspective, anonymous: boolean): SanityDoc[] {
  const visible = anonymous ? [...docs].filter((doc) => !isPrivateId(doc._id)) : [...docs];
  if (perspective.kind === 'raw') return visible.sort(byId);
  const { layers } = perspective;
  const best = new Map<string, { rank: number; doc: SanityDoc }>();
  for (const doc of visible) {
    const rank = layers.indexOf(layerOf(doc._id));
    if (rank === -1) continue;
    const key = publishedIdOf(doc._id);
    const current = best.get(key);
    if (current === undefined || rank < current.rank) best.set(key, { rank, doc });
  }
  const overlay = layers.length > 1;
  const out: SanityDoc[] = [];
  for (const [publishedId, { doc }] of best) {
    out.push(overlay ? { ...doc, _id: publishedId, _originalId: doc._id } : doc);
  }
  return out.sort(byId);
}

function byId(a: SanityDoc, b: SanityDoc): number {
  return a._id < b._id ? -1 : a._id > b._id ? 1 : 0;
}
