import { applyPatch } from 'mendoza';
import { requireAuthenticated } from './auth.ts';
import type { LakeCall } from './context.ts';
import { dataError } from './errors.ts';
import { squashedCreate, type HistoryLine, type HistoryLog, type LineRef } from './history.ts';
import { corsHeaders, sendJson } from './http.ts';
import { isValidDocumentId } from './ids.ts';
import { withoutRev } from './mendoza.ts';
import type { Params } from './router.ts';
import type { DatasetStore } from './store.ts';
import type { SanityDoc } from './types.ts';

// Sanity's History API over the dataset's history log (history.ts): the transactions that changed some documents
// (`/data/history/:dataset/transactions/:ids`, NDJSON, mendoza effects) and the documents as they were at a
// revision or a time (`/data/history/:dataset/documents/:ids`). The Studio's History panel, Review changes and
// Restore run on these two.

/** Document ids per request. */
const MAX_IDS = 20;
/** Lines per transactions request (the Studio asks for 50 at a time). */
const MAX_LIMIT = 1000;
/** Lines looked at (heads read) for one request, skipped ones included. */
const MAX_SCANNED = 100_000;
/** Bytes of history lines read for one request. */
const MAX_READ_BYTES = 64 * 1024 * 1024;

/** One transaction in a document's history: a logged line, or the squashed create standing for what came before. */
type Entry = { kind: 'line'; ref: LineRef } | { kind: 'squashed'; line: HistoryLine };

/** Stops a request that reads more than it may. */
class Budget {
  private scanned = 0;
  private bytes = 0;
  look(): void {
    if ((this.scanned += 1) > MAX_SCANNED) throw tooLarge(`looks at more than ${MAX_SCANNED} transactions`);
  }
  read(ref: LineRef): void {
    if ((this.bytes += ref.length) > MAX_READ_BYTES)
      throw tooLarge(`reads more than ${MAX_READ_BYTES / 1024 / 1024} MB of history`);
  }
}

function tooLarge(what: string): Error {
  return dataError(
    413,
    'historyTooLarge',
    `This history request ${what}: ask for fewer documents, a smaller limit or a narrower range (fromTransaction, toTransaction, fromTime, toTime)`,
  );
}

/**
 * `GET /data/history/:dataset/transactions/:ids`: the transactions that changed any of the comma-separated ids, as
 * NDJSON, oldest first (`reverse=true`: newest first). Query parameters as Sanity's: `fromTransaction` and
 * `toTransaction` (inclusive bounds by id), `fromTime` and `toTime`, `authors`, `limit`, `effectFormat=mendoza`
 * (adds `effects`), `excludeMutations` and `excludeContent` (leave out `mutations`), and
 * `includeIdentifiedDocumentsOnly` (only the asked ids in `documentIDs` and `effects`).
 */
export async function historyTransactions(call: LakeCall, { dataset }: Params<'dataset'>): Promise<number> {
  requireAuthenticated(call.caller, 'Reading document history');
  const store = await call.ctx.datasets.require(dataset);
  const ids = idsOf(call, 'transactions');
  const { search } = call;
  const limit = limitOf(search.get('limit'));
  const reverse = search.get('reverse') === 'true';
  const fromTime = timeOf(search, 'fromTime');
  const toTime = timeOf(search, 'toTime');
  const authors = listOf(search.get('authors'));
  const fromTransaction = search.get('fromTransaction') || undefined;
  const toTransaction = search.get('toTransaction') || undefined;
  const withEffects = search.get('effectFormat') === 'mendoza';
  const withMutations = search.get('excludeMutations') !== 'true' && search.get('excludeContent') !== 'true';
  const onlyAsked = search.get('includeIdentifiedDocumentsOnly') === 'true';

  const budget = new Budget();
  const entries = await entriesOf(store, ids, budget);
  if (reverse) entries.reverse();
  const wanted = new Set(ids);
  const out: string[] = [];
  // With reverse=true the newest bound is met first; either way lines count once inside both bounds.
  const [openAt, closeAt] = reverse ? [toTransaction, fromTransaction] : [fromTransaction, toTransaction];
  let inside = openAt === undefined;
  for (const entry of entries) {
    if (out.length >= limit) break;
    budget.look();
    const head = await headOf(store.history, entry);
    if (!inside) {
      if (head.id !== openAt) continue;
      inside = true;
    }
    const time = Date.parse(head.timestamp);
    const inTime = !(fromTime !== undefined && time < fromTime) && !(toTime !== undefined && time > toTime);
    if (inTime) {
      const line = await lineOf(store.history, entry, budget);
      if (authors === undefined || authors.has(line.author))
        out.push(answerLine(line, wanted, onlyAsked, withEffects, withMutations));
    }
    if (head.id === closeAt) break;
  }
  call.res.writeHead(200, {
    ...corsHeaders(call.req),
    'content-type': 'application/x-ndjson; charset=utf-8',
    'cache-control': 'no-store',
  });
  call.res.end(out.map((line) => `${line}\n`).join(''));
  return 200;
}

/**
 * `GET /data/history/:dataset/documents/:ids?revision=<transaction id>` (or `time=<ISO time>`, or
 * `lastRevision=true`): each id as it was right after that transaction, at that time, or last (a deleted document:
 * just before its deletion), with `_rev` the transaction that made that state. Ids that did not exist then are left
 * out.
 */
export async function historyDocuments(call: LakeCall, { dataset }: Params<'dataset'>): Promise<number> {
  requireAuthenticated(call.caller, 'Reading document history');
  const store = await call.ctx.datasets.require(dataset);
  const ids = idsOf(call, 'documents');
  const revision = call.search.get('revision') || undefined;
  const time = timeOf(call.search, 'time');
  const last = call.search.get('lastRevision') === 'true';
  if ([revision !== undefined, time !== undefined, last].filter(Boolean).length !== 1) {
    throw dataError(
      400,
      'httpBadRequest',
      'Give exactly one of revision=<transaction id>, time=<ISO 8601 time> or lastRevision=true',
    );
  }
  const budget = new Budget();
  const documents: SanityDoc[] = [];
  if (last) {
    for (const id of ids) {
      const doc = store.get(id) ?? (await lastBeforeDeletion(store.history, id, budget));
      if (doc !== null) documents.push(doc);
    }
    return sendJson(call.req, call.res, 200, { documents });
  }
  // Where in the history the asked point is: the index into the asked ids' entries, oldest first.
  const entries = await entriesOf(store, ids, budget);
  let at = -1;
  for (let index = entries.length - 1; index >= 0; index -= 1) {
    const entry = entries[index];
    if (entry === undefined) continue;
    budget.look();
    const head = await headOf(store.history, entry);
    if (revision !== undefined ? head.id === revision : Date.parse(head.timestamp) <= (time ?? 0)) {
      at = index;
      break;
    }
  }
  if (at === -1) return sendJson(call.req, call.res, 200, { documents });
  for (const id of ids) {
    const doc = await stateAt(store, id, entries, at, budget);
    if (doc !== null) documents.push(doc);
  }
  return sendJson(call.req, call.res, 200, { documents });
}

/**
 * Document `id` right after `entries[at]`: its current state with the `revert` effects of its newer lines applied,
 * newest first.
 */
async function stateAt(
  store: DatasetStore,
  id: string,
  entries: readonly Entry[],
  at: number,
  budget: Budget,
): Promise<SanityDoc | null> {
  let state: SanityDoc | null = store.get(id) ?? null;
  for (let index = entries.length - 1; index > at; index -= 1) {
    const entry = entries[index];
    if (entry === undefined) continue;
    const line = await lineOf(store.history, entry, budget);
    const effect = line.effects[id];
    if (effect === undefined) continue;
    const previous = applyPatch(withoutRev(state), effect.revert as never) as SanityDoc | null;
    const rev = line.previousRevs?.[id] ?? line.baseline?.[id]?._rev;
    // A squashed create reverts to "did not exist yet".
    state =
      previous === null || entry.kind === 'squashed' ? null : rev === undefined ? previous : { ...previous, _rev: rev };
  }
  return state;
}

/** A deleted document as it was just before its deletion (its newest line's `revert`), or `null`. */
async function lastBeforeDeletion(log: HistoryLog, id: string, budget: Budget): Promise<SanityDoc | null> {
  const refs = log.linesOf(id);
  const ref = refs[refs.length - 1];
  if (ref === undefined) return null;
  const line = await lineOf(log, { kind: 'line', ref }, budget);
  const revert = line.effects[id]?.revert;
  if (revert === undefined) return null;
  const doc = applyPatch(null, revert as never) as SanityDoc | null;
  const rev = line.previousRevs?.[id];
  return doc === null ? null : rev === undefined ? doc : { ...doc, _rev: rev };
}

/**
 * Every transaction that changed any of `ids`, oldest first: the squashed creates standing for what came before the
 * log for documents that existed before it (each document's current `_rev` must be a transaction here, or the Studio
 * cannot align its timeline), then the logged lines in file order.
 */
async function entriesOf(store: DatasetStore, ids: readonly string[], budget: Budget): Promise<Entry[]> {
  const offsets = new Map<number, LineRef>();
  const squashed = new Map<string, SanityDoc[]>();
  const before = (doc: SanityDoc | undefined): void => {
    if (doc?._rev !== undefined) squashed.set(doc._rev, [...(squashed.get(doc._rev) ?? []), doc]);
  };
  for (const id of ids) {
    const refs = store.history.linesOf(id);
    for (const ref of refs) offsets.set(ref.offset, ref);
    const first = refs[0];
    // Never logged: it has been as it is now since before the log. Logged after it existed: its first line keeps
    // its state then.
    if (first === undefined) before(store.get(id));
    else before((await lineOf(store.history, { kind: 'line', ref: first }, budget)).baseline?.[id]);
  }
  const lines: Entry[] = [...offsets.values()]
    .sort((a, b) => a.offset - b.offset)
    .map((ref) => ({ kind: 'line', ref }));
  const squashes: Entry[] = [...squashed]
    .map(([rev, docs]) => squashedCreate(rev, docs))
    .sort((a, b) => Date.parse(a.timestamp) - Date.parse(b.timestamp))
    .map((line) => ({ kind: 'squashed', line }));
  return [...squashes, ...lines];
}

/** A line's id and timestamp. */
async function headOf(log: HistoryLog, entry: Entry): Promise<{ id: string; timestamp: string }> {
  return entry.kind === 'squashed' ? entry.line : log.head(entry.ref);
}

/** A whole line, within the request's budget. */
async function lineOf(log: HistoryLog, entry: Entry, budget: Budget): Promise<HistoryLine> {
  if (entry.kind === 'squashed') return entry.line;
  budget.read(entry.ref);
  return log.read(entry.ref);
}

/** A stored line as the API answers it: without the lake's own fields, trimmed as asked. */
function answerLine(
  line: HistoryLine,
  wanted: ReadonlySet<string>,
  onlyAsked: boolean,
  withEffects: boolean,
  withMutations: boolean,
): string {
  const documentIDs = onlyAsked ? line.documentIDs.filter((id) => wanted.has(id)) : line.documentIDs;
  const out: Record<string, unknown> = {
    id: line.id,
    timestamp: line.timestamp,
    author: line.author,
    documentIDs,
  };
  if (withEffects) out['effects'] = Object.fromEntries(documentIDs.map((id) => [id, line.effects[id]]));
  if (withMutations) out['mutations'] = line.mutations;
  return JSON.stringify(out);
}

/** The comma-separated ids after `/data/history/:dataset/<kind>/`, checked and bounded. */
function idsOf(call: LakeCall, kind: string): string[] {
  const list = call.segments[4];
  if (list === undefined || list === '' || call.segments.length > 5) {
    throw dataError(
      400,
      'httpBadRequest',
      `Expected /data/history/:dataset/${kind}/:ids with one or more comma-separated document ids`,
    );
  }
  const ids = [...new Set(list.split(',').filter((id) => id !== ''))];
  if (ids.length > MAX_IDS)
    throw dataError(
      400,
      'httpBadRequest',
      `At most ${MAX_IDS} document ids per history request, received ${ids.length}`,
    );
  for (const id of ids)
    if (!isValidDocumentId(id)) throw dataError(400, 'httpBadRequest', `Malformed document ID: "${id.slice(0, 130)}"`);
  return ids;
}

function limitOf(raw: string | null): number {
  if (raw === null) return MAX_LIMIT;
  const limit = Number(raw);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT)
    throw dataError(
      400,
      'httpBadRequest',
      `"limit" must be a whole number from 1 to ${MAX_LIMIT}, received "${raw.slice(0, 20)}"`,
    );
  return limit;
}

function timeOf(search: URLSearchParams, name: string): number | undefined {
  const raw = search.get(name);
  if (raw === null || raw === '') return undefined;
  const time = Date.parse(raw);
  if (Number.isNaN(time))
    throw dataError(400, 'httpBadRequest', `"${name}" must be an ISO 8601 time, received "${raw.slice(0, 40)}"`);
  return time;
}

function listOf(raw: string | null): Set<string> | undefined {
  if (raw === null || raw === '') return undefined;
  return new Set(raw.split(',').filter((item) => item !== ''));
}
