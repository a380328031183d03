import { chmod, open, readFile, rm, type FileHandle } from 'node:fs/promises';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { syncDir, writeFileAtomicInParts } from '../src/lib/atomic-write.ts';
import { messageOf } from './errors.ts';
import { historyPath, HistoryLog, type LoggedTransaction } from './history.ts';
import { perspectiveKey, viewOf, type Perspective } from './perspective.ts';
import { DocView } from './plan.ts';
import { strongReferences } from './references.ts';
import { isDoc, type DocChange, type SanityDoc } from './types.ts';

/** Data files (snapshot, journal) hold drafts and unpublished material: readable by the lake's user only. */
const PRIVATE_FILE = 0o600;
/** Folders the lake creates for its data. */
const PRIVATE_DIR = 0o700;

/** Documents serialized per write of a snapshot. */
const SNAPSHOT_BATCH = 1000;
/**
 * Write the snapshot after this long without a write, so the NDJSON file catches up while the lake is idle; and at
 * least this many times as long as writing the last snapshot took, so that a large dataset (a 500 MB snapshot takes
 * seconds of CPU at 100,000 stories) is not rewritten after every write, the journal keeping the data meanwhile.
 */
const COMPACT_AFTER_IDLE_MS = 1000;
const COMPACT_IDLE_PER_COMPACT = 20;
/** ...or after this many journal entries, so that replay at start stays short under constant load. */
const COMPACT_AFTER_ENTRIES = 1000;

interface JournalEntry {
  transactionId: string;
  timestamp: string;
  docs: { id: string; doc: SanityDoc | null }[];
}

/**
 * One dataset in memory, persisted as a Sanity-export NDJSON snapshot (`file`, one document per line, sorted by
 * `_id`) plus a journal (`file.journal`, one committed transaction per line). A commit appends to the journal and
 * fsyncs before it is applied, so an acknowledged write survives a crash; the snapshot is rewritten (temp file,
 * fsync, rename) when the lake is idle, every 1000 transactions and on close, and the journal is then emptied.
 * Writes go through `exclusive`, one at a time.
 */
export class DatasetStore {
  readonly name: string;
  readonly file: string;
  /** Bumped on every commit; caches of views compare against it. */
  version = 0;
  /**
   * About how many bytes of JSON the documents take (exact after loading and after each snapshot; commits add
   * their documents' size meanwhile): what a replica of the dataset costs, roughly.
   */
  bytes = 0;
  /** Every committed transaction, on disk (`file.history`), for the History API. */
  readonly history: HistoryLog;
  private readonly docs: Map<string, SanityDoc>;
  private readonly transactionIds: Set<string>;
  private readonly views = new Map<string, { version: number; view: DocView }>();
  /** Reverse index of strong references: target id -> ids of the stored documents that strongly reference it. */
  private readonly referrers = new Map<string, Set<string>>();
  private readonly observers = new Set<(changes: readonly DocChange[]) => void>();
  private queue: Promise<unknown> = Promise.resolve();
  private journal: FileHandle | undefined;
  private journalEntries = 0;
  /** How long writing the last snapshot took. */
  private compactMs = 0;
  private compactTimer: NodeJS.Timeout | undefined;
  private closed = false;

  private constructor(name: string, file: string, docs: Map<string, SanityDoc>, history: HistoryLog) {
    this.name = name;
    this.file = file;
    this.docs = docs;
    this.history = history;
    this.transactionIds = new Set([...docs.values()].map((doc) => doc._rev).filter((rev) => rev !== undefined));
    for (const doc of docs.values()) this.indexReferences(doc, 1);
  }

  /** Opens the dataset stored at `file`, replaying its journal; `undefined` if neither file exists and `create` is false. */
  static async open(name: string, file: string, create: boolean): Promise<DatasetStore | undefined> {
    const reading = performance.now();
    const snapshot = await readNdjson(file);
    const readMs = performance.now() - reading;
    const journal = await readIfExists(journalPath(file));
    if (snapshot === undefined && journal === undefined && !create) return undefined;
    const docs = snapshot?.docs ?? new Map<string, SanityDoc>();
    const entries = journal === undefined ? [] : parseJournal(journal, journalPath(file));
    for (const entry of entries) {
      for (const { id, doc } of entry.docs) {
        if (doc === null) docs.delete(id);
        else docs.set(id, doc);
      }
    }
    const history = await HistoryLog.open(historyPath(file), (id) => docs.get(id));
    const store = new DatasetStore(name, file, docs, history);
    store.bytes = (snapshot?.bytes ?? 0) + (journal?.length ?? 0);
    // Until a snapshot is written, reading one stands for what writing it costs.
    store.compactMs = readMs;
    for (const entry of entries) store.transactionIds.add(entry.transactionId);
    // Fold a replayed journal into the snapshot now, and make a new dataset's file exist on disk.
    if (entries.length > 0 || snapshot === undefined) await store.compact();
    // A snapshot written before the lake made its files private (or copied in from an export) becomes private now;
    // a file the lake may not chmod (another owner) still loads.
    else await chmod(file, PRIVATE_FILE).catch(() => undefined);
    return store;
  }

  /** Number of documents, drafts and versions included. */
  get size(): number {
    return this.docs.size;
  }

  /** The stored document with this exact id. */
  get(id: string): SanityDoc | undefined {
    return this.docs.get(id);
  }

  /** Every stored document, in no particular order. */
  all(): IterableIterator<SanityDoc> {
    return this.docs.values();
  }

  /** Ids of the stored documents that strongly reference `id` (drafts and versions included), sorted. */
  strongReferrers(id: string): string[] {
    return [...(this.referrers.get(id) ?? [])].sort();
  }

  /** Whether a transaction id was already used in this dataset (Sanity requires them unique). */
  hasTransaction(transactionId: string): boolean {
    return this.transactionIds.has(transactionId);
  }

  /** The documents a perspective shows, sorted by `_id`, cached until the next commit. */
  view(perspective: Perspective, anonymous: boolean): SanityDoc[] {
    return this.indexedView(perspective, anonymous).docs;
  }

  /** `view`, with lookups by `_type` and `_id` for the query planner. */
  indexedView(perspective: Perspective, anonymous: boolean): DocView {
    const key = `${perspectiveKey(perspective)}|${anonymous ? 'anon' : 'auth'}`;
    const cached = this.views.get(key);
    if (cached !== undefined && cached.version === this.version) return cached.view;
    const view = new DocView(viewOf(this.docs.values(), perspective, anonymous));
    this.views.set(key, { version: this.version, view });
    return view;
  }

  /** Calls `observer` with each committed transaction's changes as soon as they apply (the query workers' replicas follow this way). */
  observe(observer: (changes: readonly DocChange[]) => void): () => void {
    this.observers.add(observer);
    return () => this.observers.delete(observer);
  }

  /** Runs `task` after every earlier write task of this dataset has finished: transactions never interleave. */
  exclusive<T>(task: () => Promise<T>): Promise<T> {
    const run = this.queue.then(task);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Durably records a transaction, then applies it in memory. Call inside `exclusive`. */
  async commit(transactionId: string, timestamp: string, changes: DocChange[]): Promise<void> {
    if (this.closed)
      throw new Error(`dataset "${this.name}" is closed; the transaction ${transactionId} was not written`);
    const entry: JournalEntry = {
      transactionId,
      timestamp,
      docs: changes.map(({ id, after }) => ({ id, doc: after })),
    };
    const handle = await this.openJournal();
    const line = `${JSON.stringify(entry)}\n`;
    await handle.write(line);
    this.bytes += line.length;
    await handle.datasync();
    for (const { id, after } of changes) {
      const stored = this.docs.get(id);
      if (stored !== undefined) this.indexReferences(stored, -1);
      if (after === null) this.docs.delete(id);
      else {
        this.docs.set(id, after);
        this.indexReferences(after, 1);
      }
    }
    this.transactionIds.add(transactionId);
    this.version += 1;
    for (const observer of this.observers) observer(changes);
    this.journalEntries += 1;
    if (this.journalEntries >= COMPACT_AFTER_ENTRIES) await this.compact();
    else this.scheduleCompaction();
  }

  /**
   * Appends a committed transaction to the history log. Call inside `exclusive`, right after `commit`. The data is
   * safe by then, so a failure here is a warning: the log is repaired from the data when the dataset next opens.
   */
  async recordHistory(transaction: LoggedTransaction): Promise<void> {
    try {
      await this.history.append(transaction);
    } catch (error) {
      process.emitWarning(
        `lake: could not add transaction ${transaction.transactionId} to ${this.history.file}: ${messageOf(error)}`,
      );
    }
  }

  /** Rewrites the snapshot from memory (temp file, fsync, rename) and empties the journal. Call inside `exclusive`. */
  async compact(): Promise<void> {
    clearTimeout(this.compactTimer);
    this.compactTimer = undefined;
    const started = performance.now();
    await mkdir(dirname(this.file), { recursive: true, mode: PRIVATE_DIR });
    const ids = [...this.docs.keys()].sort();
    // Written a batch of documents at a time: a large dataset (100,000 stories, over 500 MB) does not fit in one
    // string, and the server keeps answering between batches (writes wait: this runs inside `exclusive`).
    let bytes = 0;
    await writeFileAtomicInParts(
      this.file,
      async (write) => {
        for (let start = 0; start < ids.length; start += SNAPSHOT_BATCH) {
          const text = ids
            .slice(start, start + SNAPSHOT_BATCH)
            .map((id) => `${JSON.stringify(this.docs.get(id))}\n`)
            .join('');
          bytes += text.length;
          await write(text);
        }
      },
      { mode: PRIVATE_FILE },
    );
    this.bytes = bytes;
    // Only after the snapshot holds every entry may the journal go; a crash in between replays it harmlessly.
    if (this.journal !== undefined) {
      await this.journal.truncate(0);
      await this.journal.datasync();
    } else {
      await rm(journalPath(this.file), { force: true });
    }
    this.journalEntries = 0;
    this.compactMs = performance.now() - started;
  }

  /** Writes the snapshot and releases the journal; later commits fail. */
  async close(): Promise<void> {
    await this.exclusive(async () => {
      if (this.journalEntries > 0) await this.compact();
      clearTimeout(this.compactTimer);
      this.closed = true;
      await this.journal?.close();
      this.journal = undefined;
      await rm(journalPath(this.file), { force: true });
      await this.history.close();
    });
  }

  /** Deletes the dataset's files; the store is unusable afterwards. */
  async destroy(): Promise<void> {
    await this.exclusive(async () => {
      clearTimeout(this.compactTimer);
      this.closed = true;
      await this.journal?.close();
      this.journal = undefined;
      await rm(journalPath(this.file), { force: true });
      await this.history.destroy();
      await rm(this.file, { force: true });
    });
  }

  /** Adds (`1`) or removes (`-1`) a document's strong references in the reverse index. */
  private indexReferences(doc: SanityDoc, direction: 1 | -1): void {
    for (const target of strongReferences(doc)) {
      let from = this.referrers.get(target);
      if (direction === 1) {
        if (from === undefined) this.referrers.set(target, (from = new Set()));
        from.add(doc._id);
      } else if (from !== undefined) {
        from.delete(doc._id);
        if (from.size === 0) this.referrers.delete(target);
      }
    }
  }

  private async openJournal(): Promise<FileHandle> {
    if (this.journal === undefined) {
      await mkdir(dirname(this.file), { recursive: true, mode: PRIVATE_DIR });
      this.journal = await open(journalPath(this.file), 'a', PRIVATE_FILE);
      await this.journal.chmod(PRIVATE_FILE);
      await syncDir(dirname(this.file));
    }
    return this.journal;
  }

  private scheduleCompaction(): void {
    clearTimeout(this.compactTimer);
    this.compactTimer = setTimeout(
      () => {
        this.exclusive(async () => {
          if (!this.closed && this.journalEntries > 0) await this.compact();
        }).catch((error: unknown) => {
          // The journal still holds every transaction, so a failed compaction loses nothing; say so and go on.
          process.emitWarning(`lake: could not rewrite ${this.file} (the journal keeps the data): ${messageOf(error)}`);
        });
      },
      Math.max(COMPACT_AFTER_IDLE_MS, COMPACT_IDLE_PER_COMPACT * this.compactMs),
    );
    this.compactTimer.unref();
  }
}

/** The journal file beside a dataset file. */
export function journalPath(file: string): string {
  return `${file}.journal`;
}

async function readIfExists(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/**
 * Reads a Sanity dataset export (`data.ndjson`), a line at a time (a large export does not fit in one string), or
 * `undefined` when the file does not exist.
 */
async function readNdjson(file: string): Promise<{ docs: Map<string, SanityDoc>; bytes: number } | undefined> {
  let handle: FileHandle;
  try {
    handle = await open(file, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const docs = new Map<string, SanityDoc>();
  let index = 0;
  let bytes = 0;
  try {
    for await (const line of handle.readLines({ encoding: 'utf8' })) {
      parseNdjsonLine(line, (index += 1), file, docs);
      bytes += line.length + 1;
    }
  } finally {
    await handle.close();
  }
  return { docs, bytes };
}

/**
 * Parses a Sanity dataset export (`data.ndjson`): one JSON document with a string `_id` per line, blank lines
 * allowed. Errors name the file, the line, what was found and what was expected.
 */
export function parseNdjson(text: string, file: string): Map<string, SanityDoc> {
  const docs = new Map<string, SanityDoc>();
  for (const [index, line] of text.split('\n').entries()) parseNdjsonLine(line, index + 1, file, docs);
  return docs;
}

/** Parses line `number` of an export into `docs` (see `parseNdjson`). */
function parseNdjsonLine(raw: string, number: number, file: string, docs: Map<string, SanityDoc>): void {
  const line = raw.trim();
  if (line === '') return;
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (error) {
    throw new Error(
      `${file}:${number}: expected one JSON document per line, could not parse: ${messageOf(error)} (line starts ${JSON.stringify(line.slice(0, 60))})`,
      { cause: error },
    );
  }
  if (!isDoc(value)) {
    throw new Error(
      `${file}:${number}: expected a JSON object with a string "_id", received ${JSON.stringify(line.slice(0, 60))}`,
    );
  }
  docs.set(value._id, value);
}

function parseJournal(text: string, file: string): JournalEntry[] {
  const entries: JournalEntry[] = [];
  const lines = text.split('\n');
  for (const [index, line] of lines.entries()) {
    if (line.trim() === '') continue;
    try {
      entries.push(JSON.parse(line) as JournalEntry);
    } catch (error) {
      // A torn last line is a write that crashed before its fsync returned: it was never acknowledged.
      if (index >= lines.length - 2) {
        process.emitWarning(
          `lake: ignoring the unfinished last entry of ${file} (a write interrupted before it was acknowledged)`,
        );
        break;
      }
      throw new Error(`${file}:${index + 1}: corrupt journal entry: ${messageOf(error)}`, { cause: error });
    }
  }
  return entries;
}
