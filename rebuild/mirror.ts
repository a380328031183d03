import { createHash, hash } from 'node:crypto';
import type { SanityClient } from '@sanity/client';
import { exportSiteDocuments } from '../src/lib/sources/sanity/export.ts';
import { changedSinceQuery, documentsByIdQuery, SITE_TYPES } from '../src/lib/sources/sanity/queries.ts';
import type { SanityAsset } from '../src/lib/sources/sanity/documents.ts';
import type { SiteDocuments } from '../src/lib/sources/sanity/site-source.ts';
import type { SanityDocument, UncheckedDocument } from '../src/lib/sources/sanity/documents.ts';
import type { Story } from '../src/lib/sources/sanity/sanity.types.ts';

/** A sync hinted with more ids than this reads every change since the last one instead. */
const MAX_HINTED = 200;

/** How far back an incremental sync looks before the newest change it has seen, for clock skew between writers. */
const OVERLAP_MS = 5_000;

/** The result of one sync. */
export interface SyncResult {
  full: boolean;
  changed: number;
  deleted: number;
  ms: number;
}

/**
 * A local copy of the published documents the site is built from. The first sync reads everything, through the
 * export endpoint (`/data/export/<dataset>`, NDJSON streamed a document at a time, as `sanity dataset export` reads
 * a dataset): a query for the whole of a large dataset (100,000 stories) would run past the API's query time limit
 * and come back as one huge JSON text. Later syncs read only documents changed since the newest change seen (with a
 * small overlap) plus the list of ids, which reveals deletions and unpublishes; or, when webhooks named the changed
 * documents, just those.
 */
export class Mirror {
  /** The documents by id (read it only: the mirror keeps a digest of it up to date). */
  readonly documents = new Map<string, SanityDocument>();
  readonly assets = new Map<string, SanityAsset & { _updatedAt?: string }>();
  #newest = '';
  #client: SanityClient;
  /**
   * The sum of a digest of every document's id and revision (mod 2^64): order does not matter, so a change updates
   * it at once instead of hashing a sorted list of every id (a third of a second at 100,000 documents).
   */
  #sum = 0n;
  #assetsRevision: string | undefined;

  constructor(client: SanityClient) {
    this.#client = client;
  }

  /**
   * Brings the mirror up to date with the dataset's published documents. With `hint` (the ids webhooks reported since
   * the last sync), reads only those documents (none when it is empty); an id that no longer answers was deleted or
   * unpublished.
   */
  async sync(hint?: ReadonlySet<string>): Promise<SyncResult> {
    this.#assetsRevision = undefined;
    const started = performance.now();
    const types = [...SITE_TYPES];
    // Nothing announced and nothing else asked: nothing to read (a build that adopts a Similar News recomputation).
    if (this.#newest && hint && hint.size === 0)
      return { full: false, changed: 0, deleted: 0, ms: performance.now() - started };
    if (this.#newest && hint && hint.size > 0 && hint.size <= MAX_HINTED) {
      const since = new Date(Date.parse(this.#newest) - OVERLAP_MS).toISOString();
      const found = await this.#client.fetch<SiteDocuments>(
        documentsByIdQuery,
        { ids: [...hint], types, since },
        { perspective: 'published' },
      );
      let changed = 0;
      const seen = new Set<string>();
      for (const doc of found.documents) {
        seen.add(doc._id);
        if (this.documents.get(doc._id)?.['_rev'] !== doc['_rev']) changed += 1;
        // Not #put: the newest change seen stays that of a full read, so the next changed-since sync misses nothing.
        this.#set(doc);
      }
      for (const asset of found.assets) this.assets.set(asset._id, asset);
      let deleted = 0;
      for (const id of hint) if (!seen.has(id) && this.#delete(id)) deleted += 1;
      return { full: false, changed, deleted, ms: performance.now() - started };
    }
    if (!this.#newest) {
      const all = await exportSiteDocuments(this.#client);
      // Stryker disable next-line all: a full read runs only while nothing was read (every document has an _updatedAt)
      this.documents.clear();
      this.#sum = 0n;
      // Stryker disable next-line all: a full read runs only while nothing was read (every document has an _updatedAt)
      this.assets.clear();
      for (const doc of all.documents) this.#put(doc);
      for (const asset of all.assets) this.#putAsset(asset);
      return { full: true, changed: all.documents.length, deleted: 0, ms: performance.now() - started };
    }
    const since = new Date(Date.parse(this.#newest) - OVERLAP_MS).toISOString();
    const delta = await this.#client.fetch<SiteDocuments & { ids: string[] }>(
      changedSinceQuery,
      { types, since },
      { perspective: 'published' },
    );
    let changed = 0;
    for (const doc of delta.documents) {
      if (this.documents.get(doc._id)?.['_rev'] !== doc['_rev']) changed += 1;
      this.#put(doc);
    }
    for (const asset of delta.assets) this.#putAsset(asset);
    const live = new Set(delta.ids);
    let deleted = 0;
    for (const id of [...this.documents.keys()]) {
      if (!live.has(id)) {
        this.#delete(id);
        deleted += 1;
      }
    }
    for (const id of [...this.assets.keys()]) if (!live.has(id)) this.assets.delete(id);
    return { full: false, changed, deleted, ms: performance.now() - started };
  }

  /** A digest of every document's id and revision: equal digests mean equal content. */
  revision(): string {
    return BigInt.asUintN(64, this.#sum).toString(16).padStart(16, '0');
  }

  /** A digest of every asset's id and last change: rendered bodies depend on the assets they show. */
  assetsRevision(): string {
    // Stryker disable next-line ConditionalExpression: a cache: computing again gives the same digest
    if (this.#assetsRevision !== undefined) return this.#assetsRevision;
    const hash = createHash('sha1');
    // Stryker disable next-line OptionalChaining: the id is one of the map's keys
    for (const id of [...this.assets.keys()].sort()) hash.update(`${id}@${String(this.assets.get(id)?._updatedAt)}\n`);
    return (this.#assetsRevision = hash.digest('hex').slice(0, 16));
  }

  /** The times (ISO) of stories published in the future, for scheduling a rebuild when the next one is due. */
  scheduledTimes(now: Date): string[] {
    const iso = now.toISOString();
    const times: string[] = [];
    for (const d of this.documents.values() as Iterable<UncheckedDocument<Story>>) {
      if (d._type === 'story' && typeof d.publishedAt === 'string' && d.publishedAt > iso) times.push(d.publishedAt);
    }
    return times.sort();
  }

  /** Stores a document (every change of `documents` goes through here or `#delete`, to keep the revision's sum). */
  #set(doc: SanityDocument): void {
    const old = this.documents.get(doc._id);
    if (old) this.#sum -= digest(old);
    this.#sum += digest(doc);
    this.documents.set(doc._id, doc);
  }

  #delete(id: string): boolean {
    const old = this.documents.get(id);
    if (!old) return false;
    this.#sum -= digest(old);
    return this.documents.delete(id);
  }

  #put(doc: SanityDocument): void {
    this.#set(doc);
    // Stryker disable next-line EqualityOperator: the same time again changes nothing
    if (doc._updatedAt && doc._updatedAt > this.#newest) this.#newest = doc._updatedAt;
  }

  #putAsset(asset: SanityAsset & { _updatedAt?: string }): void {
    this.assets.set(asset._id, asset);
    // Whether an asset's time counts only decides where the next read starts: earlier reads more, misses nothing.
    // Stryker disable next-line all: (see above)
    if (asset._updatedAt && asset._updatedAt > this.#newest) this.#newest = asset._updatedAt;
  }
}

/** 64 bits of a digest of a document's id and revision. */
function digest(doc: SanityDocument): bigint {
  return BigInt(`0x${hash('sha1', `${doc._id}@${String(doc['_rev'])}`, 'hex').slice(0, 16)}`);
}
