/**
 * One page of a listing (newest first). Listings page as an archive whose pages never shift: counted from the
 * oldest story, archive page k holds stories (k-1)·size+1 to k·size, so a new story changes the front page (and,
 * every `size` stories, starts one more archive page) instead of moving every story to another page. The front
 * page shows the newest stories down to the start of an archive page: between size+1 and 2·size of them once the
 * listing has more than `size`, all of them before.
 */
export interface ListingPage<T> {
  items: T[];
  /** The archive page number (1 = the oldest stories); undefined for the front page. */
  number?: number;
  /** The next newer page: an archive page number, or "front". Undefined on the front page. */
  newer?: number | 'front';
  /** The next older archive page, if any. */
  older?: number;
}

/** Splits a newest-first listing into its front page and archive pages (front page first, then newest to oldest). */
export function archivePages<T>(items: readonly T[], size: number): ListingPage<T>[] {
  const n = items.length;
  const chunks = Math.max(1, Math.ceil(n / size));
  // The front page holds the newest two chunks; older chunks are archive pages 1 (oldest) to `archived`.
  const archived = Math.max(0, chunks - 2);
  const front: ListingPage<T> = {
    items: items.slice(0, n - archived * size),
    ...(archived > 0 ? { older: archived } : {}),
  };
  const pages = [front];
  for (let k = archived; k >= 1; k -= 1) {
    pages.push({
      items: items.slice(n - k * size, n - (k - 1) * size),
      number: k,
      newer: k === archived ? 'front' : k + 1,
      ...(k > 1 ? { older: k - 1 } : {}),
    });
  }
  return pages;
}
