/**
 * The site's search index (Pagefind), built from the site model rather than from the rendered HTML: one record per
 * published story (its headline and dek and the text of its body; headline, dek, section and date as metadata;
 * section and tags as filters; the publish time as the sort key), written as static files into `/pagefind/` of the
 * build folder. Pagefind cannot update an index in place, so every change of the stories writes the whole index again
 * (about 1 ms per story; see README, "Search").
 */
import { readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { close, createIndex, type CustomRecord } from 'pagefind';
import { cacheKey } from '../body/cache-key.ts';
import { formatDate } from './dates.ts';
import type { SitePage } from './pages.ts';
import type { StoryView } from './site.ts';

/** The folder of the build output the index is written to, and the URL path the search page loads it from. */
export const SEARCH_DIR = 'pagefind';

/** Changes whenever `searchRecord` makes other records: a key for builds without a code digest. */
export const SEARCH_FORMAT = 'search-1';

/** Character references the body's HTML serializer writes, decoded back to text. */
const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' };

/** The text of a story body's sanitized HTML: tags become spaces, character references their characters. */
export function bodyText(html: string): string {
  return html
    .replace(/<[^>]*>/g, ' ')
    .replace(/&(#x[0-9a-f]+|#[0-9]+|[a-z]+);/gi, (whole, name: string) => {
      if (name.startsWith('#')) {
        const code = name[1] === 'x' || name[1] === 'X' ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
        return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : ' ';
      }
      return ENTITIES[name.toLowerCase()] ?? whole;
    })
    .replace(/\s+/g, ' ')
    .trim();
}

/** A story's search record. `timeZone` is the zone the site prints dates in. */
export function searchRecord(story: StoryView, timeZone: string): CustomRecord {
  return {
    url: story.url,
    content: `${story.title}. ${story.dek} ${bodyText(story.html)}`,
    language: 'en',
    meta: {
      title: story.title,
      dek: story.dek,
      section: story.section.name,
      date: story.publishedAt,
      dateText: formatDate(story.publishedAt, timeZone),
    },
    filters: { section: [story.section.name], tag: story.tags.map((t) => t.name) },
    sort: { date: story.publishedAt },
  };
}

/**
 * A digest of what the index holds, from the story pages' keys and `code` (a digest of the code that makes the
 * records): equal digests, equal index. A story page's key covers every field its record is made of (and more: a
 * change of its Similar News also writes the index again).
 */
export function searchKey(pages: readonly SitePage[], code = SEARCH_FORMAT): string {
  return cacheKey(
    'search',
    code,
    pages.filter((p) => p.kind === 'story').map((p) => [p.path, p.key]),
  );
}

/** What writing the index did. */
export interface SearchIndexReport {
  records: number;
  ms: number;
}

/**
 * Writes the index of `stories` into `<outDir>/pagefind/`, replacing what was there. Runs the Pagefind binary as a
 * child process for the time of the call; records are sent to it one at a time, so memory grows with one story's text
 * on this side.
 */
export async function writeSearchIndex(
  stories: Iterable<StoryView>,
  timeZone: string,
  outDir: string,
): Promise<SearchIndexReport> {
  const started = performance.now();
  const { index, errors } = await createIndex({ forceLanguage: 'en' });
  try {
    if (!index) throw new Error(`search index: ${errors.join('; ') || 'Pagefind did not start'}`);
    let records = 0;
    // Sent in batches: one record at a time waits for every round trip; all at once holds every text at once.
    let batch: Promise<unknown>[] = [];
    for (const story of stories) {
      batch.push(
        index.addCustomRecord(searchRecord(story, timeZone)).then((added) => {
          if (added.errors.length > 0) throw new Error(`search index: ${story.url}: ${added.errors.join('; ')}`);
        }),
      );
      records += 1;
      if (batch.length === 256) {
        await Promise.all(batch);
        batch = [];
      }
    }
    await Promise.all(batch);
    const output = path.join(outDir, SEARCH_DIR);
    await rm(output, { recursive: true, force: true });
    const written = await index.writeFiles({ outputPath: output });
    if (written.errors.length > 0) throw new Error(`search index: ${written.errors.join('; ')}`);
    // Pagefind's ready-made interfaces: the search page has its own (public/search.js).
    for (const file of await readdir(output))
      if (/^pagefind-(component-ui|modular-ui|ui|highlight)\./.test(file)) await rm(path.join(output, file));
    await index.deleteIndex();
    return { records, ms: performance.now() - started };
  } finally {
    await close();
  }
}

/** Ends the Pagefind process, if one runs: a write under way fails. */
export async function stopSearchIndex(): Promise<void> {
  await close();
}
