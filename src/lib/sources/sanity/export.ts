/**
 * A whole dataset read through Sanity's export endpoint (`/data/export/<dataset>`, NDJSON, a document a line), as
 * `sanity dataset export` reads it: the build's full read and the rebuild service's mirror. One GROQ query for a
 * large dataset runs past the API's query time limit (100,000 stories: well over 10 s) and answers with one JSON
 * text of hundreds of megabytes; the export streams, a line at a time.
 */
import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import type { SanityClient } from '@sanity/client';
import { SITE_TYPES } from './queries.ts';
import type { SanityAsset, SanityDocument } from './documents.ts';

/**
 * Every published document of the site's types and every image asset (projected as `siteDocumentsQuery` projects
 * them), in id order like the query; with `drafts`, the documents' drafts too (`drafts.<id>`, which the mapping lays
 * over their published versions, as preview reads them). Release versions are left out.
 */
export async function exportSiteDocuments(
  client: SanityClient,
  options: { drafts?: boolean } = {},
): Promise<{ documents: SanityDocument[]; assets: (SanityAsset & { _updatedAt?: string })[] }> {
  const config = client.config();
  const url = new URL(client.getUrl(client.getDataUrl('export')));
  url.searchParams.set('types', [...SITE_TYPES, 'sanity.imageAsset'].join(','));
  const response = await fetch(url, { headers: config.token ? { authorization: `Bearer ${config.token}` } : {} });
  if (!response.ok || !response.body) {
    const text = await response.text().catch(() => '');
    // With a status code, as the client's errors have one: describeSanityError explains 401, 403 and 404.
    throw Object.assign(
      new Error(`the export of dataset "${config.dataset ?? ''}" answered ${response.status}: ${text.slice(0, 200)}`),
      { statusCode: response.status },
    );
  }
  const types = new Set<string>(SITE_TYPES);
  const documents: SanityDocument[] = [];
  const assets: (SanityAsset & { _updatedAt?: string })[] = [];
  const lines = createInterface({
    input: Readable.fromWeb(response.body as WebReadableStream<Uint8Array>),
    crlfDelay: Infinity,
  });
  for await (const line of lines) {
    if (line.trim() === '') continue;
    const doc = JSON.parse(line) as SanityDocument;
    if (typeof doc._id !== 'string') continue;
    // The export holds drafts and release versions too (ids with a dot).
    const draft = /^drafts\.[^.]+$/.test(doc._id);
    if (doc._id.includes('.') && !(draft && options.drafts)) continue;
    if (types.has(String(doc['_type']))) documents.push(doc);
    else if (doc['_type'] === 'sanity.imageAsset' && !draft) assets.push(assetOf(doc));
  }
  const byId = (a: { _id: string }, b: { _id: string }) => (a._id < b._id ? -1 : a._id > b._id ? 1 : 0);
  return { documents: documents.sort(byId), assets: assets.sort(byId) };
}

/** An image asset document as `siteDocumentsQuery` projects it (a missing field is null, as GROQ gives it). */
function assetOf(doc: SanityDocument): SanityAsset & { _updatedAt?: string } {
  const dimensions = ((doc['metadata'] as Record<string, unknown> | undefined)?.['dimensions'] ?? {}) as Record<
    string,
    unknown
  >;
  const field = (value: unknown) => (value === undefined ? null : value);
  return {
    _id: doc._id,
    _type: doc['_type'],
    _updatedAt: field(doc._updatedAt),
    url: field(doc['url']),
    originalFilename: field(doc['originalFilename']),
    extension: field(doc['extension']),
    width: field(dimensions['width']),
    height: field(dimensions['height']),
  } as unknown as SanityAsset & { _updatedAt?: string };
}
