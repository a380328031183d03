/**
 * The site's search index (Pagefind), built from the site model rather than from the rendered HTML: one record per
 * published story (its headline and dek and the first words of its body; headline, dek, section and date as metadata;
 * section and tags as filters; the publish time as the sort key), written as static files into `/pagefind/` of the
 * build folder. Pagefind cannot update an index in place, and one index of the whole archive would need one process
 * holding every story (3.7 GB at 10,000 whole stories), so the index is split into parts by publish time (a year,
 * or a quarter or month of a year with more than `PART_LIMIT` stories): each part is a complete Pagefind bundle in
 * `/pagefind/<part>/`, written again only when its stories changed, and `/pagefind/parts.json` lists the parts,
 * newest first, for the search page (public/search.js), which searches them all (README, "Search").
 */
import { hash } from 'node:crypto';
import { readdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { close, createIndex, type CustomRecord } from 'pagefind';
import { cacheKey } from '../body/cache-key.ts';
import { formatDate } from './dates.ts';
import type { StoryView } from './site.ts';

/** The folder of the build output the index is written to, and the URL path the search page loads it from. */
export const SEARCH_DIR = 'pagefind';

/** Changes whenever `searchRecord` or `searchParts` make other records or parts: a key for builds without a code digest. */
export const SEARCH_FORMAT = 'search-2';

/** The file in the index folder that lists its parts, newest first (`PartsManifest`). */
export const PARTS_FILE = 'parts.json';

/**
 * The most stories in one part: one Pagefind process holds one part, so this bounds its memory (1.9 GB at 10,000
 * stories of `BODY_WORDS` words; README, "Search").
 */
export const PART_LIMIT = 10_000;

/**
 * Words of a story's body in its record. Pagefind's time and memory grow with the words it indexes (a whole body is
 * about 650 words in the bench corpus); a news story says what it is about in its first paragraphs, which the
 * headline and dek already summarize, so a search finds it by those and loses little by the rest (README, "Search").
 */
export const BODY_WORDS = 250;

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
    content: `${story.title}. ${story.dek} ${firstWords(bodyText(story.html), BODY_WORDS)}`,
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

/** The first `count` words of `text` (words are separated by single spaces, as `bodyText` writes them). */
export function firstWords(text: string, count: number): string {
  return text.split(' ', count).join(' ');
}

/** One part of the index: its folder name under `/pagefind/`, the digest of its records, and its stories. */
export interface SearchPart {
  name: string;
  key: string;
  stories: StoryView[];
}

/** What `/pagefind/parts.json` holds: the parts, newest first, and their story counts. */
export interface PartsManifest {
  parts: { name: string; stories: number }[];
}

/** The part names of a publish time (ISO 8601, UTC) at each level: year, quarter, month. */
const LEVELS: ((iso: string) => string)[] = [
  (iso) => iso.slice(0, 4),
  (iso) => `${iso.slice(0, 4)}-q${Math.floor((Number(iso.slice(5, 7)) - 1) / 3) + 1}`,
  (iso) => iso.slice(0, 7),
];

function partition(stories: StoryView[], level: number, limit: number, out: { name: string; stories: StoryView[] }[]) {
  const groups = new Map<string, StoryView[]>();
  const name = LEVELS[level] ?? LEVELS[0]!;
  for (const story of stories) {
    const part = name(story.publishedAt);
    const group = groups.get(part);
    if (group) group.push(story);
    else groups.set(part, [story]);
  }
  for (const [part, group] of groups) {
    if (group.length <= limit) out.push({ name: part, stories: group });
    else if (level + 1 < LEVELS.length) partition(group, level + 1, limit, out);
    else {
      // A month with more stories than a part holds: runs of `limit` stories, oldest first.
      group.sort(oldestFirst);
      for (let i = 0; i < group.length; i += limit)
        out.push({ name: `${part}-${i / limit + 1}`, stories: group.slice(i, i + limit) });
    }
  }
}

function oldestFirst(a: StoryView, b: StoryView): number {
  return a.publishedAt < b.publishedAt ? -1 : a.publishedAt > b.publishedAt ? 1 : a.id.localeCompare(b.id);
}

/** Record digests by story object (the rebuild service keeps the objects of unchanged stories). */
const recordKeys = new WeakMap<StoryView, string>();

/** A digest of every field `searchRecord` reads (the body by a digest of its HTML). */
function recordKey(story: StoryView): string {
  let key = recordKeys.get(story);
  // Stryker disable next-line ConditionalExpression: the map only spares computing the same key again
  if (key === undefined) {
    key = cacheKey(
      story.url,
      story.title,
      story.dek,
      story.section.name,
      story.tags.map((t) => t.name),
      story.publishedAt,
      // Stryker disable next-line StringLiteral: any one encoding gives equal digests for equal bodies
      hash('sha1', story.html, 'base64url'),
    );
    // Stryker disable next-line CallExpression: the map only spares computing the same key again
    recordKeys.set(story, key);
  }
  return key;
}

/**
 * The index's parts, newest first: each part is a span of publish time (a year, or a quarter or month of a year with
 * more than `limit` stories), so that the parts never overlap in time and the search page lists the stories of a
 * date-sorted search newest first by going through the parts in this order. The parts depend on the stories alone
 * (not on their order). Each part's key is a digest of its name, `code` (a digest of the code that makes the
 * records), the time zone dates are printed in and its records' fields: a story changed, added or removed changes
 * the key of its own part only.
 */
export function searchParts(
  stories: readonly StoryView[],
  timeZone: string,
  code = SEARCH_FORMAT,
  limit = PART_LIMIT,
): SearchPart[] {
  const groups: { name: string; stories: StoryView[] }[] = [];
  partition([...stories], 0, limit, groups);
  // Parts do not overlap in time (runs of a month at most share an edge time, and runs are sorted), so any story of
  // a part would order the parts the same: the newest is the clearest.
  const newest = (group: { stories: StoryView[] }) =>
    // Stryker disable next-line ConditionalExpression,EqualityOperator: see above
    group.stories.reduce((max, s) => (s.publishedAt > max ? s.publishedAt : max), '');
  return (
    groups
      .map((group) => ({ group, newest: newest(group) }))
      // Stryker disable next-line EqualityOperator: runs of one time come out of partition in name order, which the stable sort keeps
      .sort((a, b) => (a.newest < b.newest ? 1 : a.newest > b.newest ? -1 : a.group.name.localeCompare(b.group.name)))
      .map(({ group }) => {
        // In a fixed order, so that the key and the bundle do not depend on the order the stories came in.
        const members = [...group.stories].sort(oldestFirst).reverse();
        return {
          name: group.name,
          // Stryker disable next-line StringLiteral: the digest's label; any constant keeps equal keys equal
          key: cacheKey('search-part', code, timeZone, group.name, members.map(recordKey)),
          stories: members,
        };
      })
  );
}

/** A digest of the whole index: equal digests, equal index. */
export function searchKey(parts: readonly SearchPart[]): string {
  return cacheKey(
    // Stryker disable next-line StringLiteral: the digest's label; any constant keeps equal keys equal
    'search',
    parts.map((p) => [p.name, p.key]),
  );
}

/** The text of `/pagefind/parts.json` for `parts`. */
export function partsManifest(parts: readonly SearchPart[]): string {
  const manifest: PartsManifest = { parts: parts.map((p) => ({ name: p.name, stories: p.stories.length })) };
  return `${JSON.stringify(manifest)}\n`;
}

/** What writing the index did. */
export interface SearchIndexReport {
  records: number;
  ms: number;
}

/**
 * Writes the Pagefind bundle of one part's `stories` into `dir`, replacing what was there. Runs the Pagefind binary
 * as a child process for the time of the call (so one part at a time is in memory); records are sent to it in
 * batches, so memory grows with a batch's text on this side.
 */
export async function writeSearchPart(
  stories: Iterable<StoryView>,
  timeZone: string,
  dir: string,
): Promise<SearchIndexReport> {
  const started = performance.now();
  // Stryker disable next-line ObjectLiteral: every record says it is English too
  const { index, errors } = await createIndex({ forceLanguage: 'en' });
  try {
    if (!index) throw new Error(`search index: ${errors.join('; ') || 'Pagefind did not start'}`);
    let records = 0;
    // Sent in batches: one record at a time waits for every round trip; all at once holds every text at once.
    // Stryker disable next-line ArrayDeclaration: what the batch starts with is only awaited
    let batch: Promise<unknown>[] = [];
    for (const story of stories) {
      batch.push(
        index.addCustomRecord(searchRecord(story, timeZone)).then((added) => {
          if (added.errors.length > 0) throw new Error(`search index: ${story.url}: ${added.errors.join('; ')}`);
        }),
      );
      records += 1;
      // Stryker disable next-line ConditionalExpression,EqualityOperator,BlockStatement: batches bound memory, not the result
      if (batch.length === 256) {
        await Promise.all(batch);
        // Stryker disable next-line ArrayDeclaration: what the batch starts with is only awaited
        batch = [];
      }
    }
    await Promise.all(batch);
    await rm(dir, { recursive: true, force: true });
    const written = await index.writeFiles({ outputPath: dir });
    if (written.errors.length > 0) throw new Error(`search index: ${written.errors.join('; ')}`);
    // Pagefind's ready-made interfaces: the search page has its own (public/search.js).
    for (const file of await readdir(dir))
      // Stryker disable next-line Regex: Pagefind writes no other file whose name holds these
      if (/^pagefind-(component-ui|modular-ui|ui|highlight)\./.test(file)) await rm(path.join(dir, file));
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

/** The text `readPartKeys` reads: each part's name and key. */
export function partKeysText(parts: readonly SearchPart[]): string {
  return JSON.stringify(Object.fromEntries(parts.map((p) => [p.name, p.key])));
}

/** The part keys recorded beside an index (a JSON object of part name to key): none when missing or of another format. */
export async function readPartKeys(file: string): Promise<Map<string, string>> {
  try {
    const keys = JSON.parse(await readFile(file, 'utf8')) as unknown;
    if (keys && typeof keys === 'object' && !Array.isArray(keys))
      return new Map(Object.entries(keys).filter((e): e is [string, string] => typeof e[1] === 'string'));
  } catch {
    // missing or unreadable: every part is written again
  }
  return new Map();
}
