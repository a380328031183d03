import { applyPatch } from 'mendoza';
import { open, rm, stat, type FileHandle } from 'node:fs/promises';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { messageOf } from './errors.ts';
import { effectOf, mendozaPatch, withoutRev, type Effect } from './mendoza.ts';
import type { DocChange, SanityDoc } from './types.ts';

/** The history file holds drafts' past states: readable by the lake's user only, like the data files. */
const PRIVATE_FILE = 0o600;
const PRIVATE_DIR = 0o700;
/** Bytes read to find a line's id and timestamp, which every line starts with. */
const HEAD_BYTES = 320;

/**
 * One committed transaction as the history file keeps it, one JSON line each. `id`, `timestamp` and `author` come
 * first, so that a line's head alone says which transaction it is. `deletedIDs`, `previousRevs` (each changed
 * document's `_rev` before) and `baseline` (a document's whole state before its first logged change, when it existed before the
 * log did) are the lake's own and never answered.
 */
export interface HistoryLine {
  id: string;
  timestamp: string;
  author: string;
  documentIDs: string[];
  /** The documents the transaction deleted. */
  deletedIDs?: string[];
  effects: Record<string, Effect>;
  mutations: Record<string, unknown>[];
  previousRevs?: Record<string, string>;
  baseline?: Record<string, SanityDoc>;
}

/** A line's position in the file. */
export interface LineRef {
  offset: number;
  length: number;
}

/** What the log is given of a committed transaction. */
export interface LoggedTransaction {
  transactionId: string;
  timestamp: string;
  identity: string;
  changes: readonly DocChange[];
  effects: ReadonlyMap<string, Effect>;
  mutationsById: ReadonlyMap<string, Record<string, unknown>[]>;
}

/**
 * A dataset's transaction history: `<data file>.history`, one line per committed transaction, only ever appended
 * (deleting the dataset deletes it). Memory holds an index only: for each document id that was ever changed while
 * the log existed, the byte positions of its lines. Lines are read back with positional reads.
 *
 * A line is written after the transaction is in the journal and applied, without an fsync of its own: a crash can
 * lose the last lines (the data cannot), and opening the log then repairs it, so that every document's current
 * `_rev` is again the id of its newest line (what the Studio aligns its timeline on).
 */
export class HistoryLog {
  readonly file: string;
  private readonly index = new Map<string, number[]>();
  private handle: FileHandle | undefined;
  private size = 0;

  private constructor(file: string) {
    this.file = file;
  }

  /**
   * Opens (or starts) the log at `file` and indexes it; `current` gives each document as the dataset holds it now,
   * against which a log that lost its last lines is repaired.
   */
  static async open(file: string, current: (id: string) => SanityDoc | undefined): Promise<HistoryLog> {
    const log = new HistoryLog(file);
    const newest = await log.scan();
    await log.repair(newest, current);
    return log;
  }

  /** Number of documents with lines, and bytes in the file. */
  get stats(): { documents: number; bytes: number } {
    return { documents: this.index.size, bytes: this.size };
  }

  /** The lines that changed document `id`, oldest first. */
  linesOf(id: string): LineRef[] {
    const flat = this.index.get(id);
    if (flat === undefined) return [];
    const refs: LineRef[] = [];
    for (let i = 0; i < flat.length; i += 2) refs.push({ offset: flat[i] ?? 0, length: flat[i + 1] ?? 0 });
    return refs;
  }

  /** Appends a committed transaction. Call in commit order (inside the dataset's `exclusive`). */
  async append(transaction: LoggedTransaction): Promise<void> {
    const deleted = transaction.changes.filter(({ after }) => after === null).map(({ id }) => id);
    // In this order: the scan at start reads only what comes before `effects`.
    const line: HistoryLine = {
      id: transaction.transactionId,
      timestamp: transaction.timestamp,
      author: transaction.identity,
      documentIDs: transaction.changes.map(({ id }) => id),
      ...(deleted.length > 0 ? { deletedIDs: deleted } : {}),
      effects: {},
      mutations: [...transaction.mutationsById.values()].flat(),
    };
    const previousRevs: Record<string, string> = {};
    const baseline: Record<string, SanityDoc> = {};
    for (const change of transaction.changes) {
      line.effects[change.id] = transaction.effects.get(change.id) ?? effectOf(change);
      if (change.before === null) continue;
      if (change.before._rev !== undefined) previousRevs[change.id] = change.before._rev;
      // A document the log has not seen yet existed before it: keep where its history starts.
      if (!this.index.has(change.id)) baseline[change.id] = change.before;
    }
    if (Object.keys(previousRevs).length > 0) line.previousRevs = previousRevs;
    if (Object.keys(baseline).length > 0) line.baseline = baseline;
    await this.write(line);
  }

  /** Reads a whole line. */
  async read(ref: LineRef): Promise<HistoryLine> {
    const handle = await this.open();
    const buffer = Buffer.alloc(ref.length);
    await handle.read(buffer, 0, ref.length, ref.offset);
    return JSON.parse(buffer.toString('utf8')) as HistoryLine;
  }

  /** Reads only a line's `id` and `timestamp` (what a search for a transaction or a time needs). */
  async head(ref: LineRef): Promise<{ id: string; timestamp: string }> {
    const handle = await this.open();
    const length = Math.min(ref.length, HEAD_BYTES);
    const buffer = Buffer.alloc(length);
    await handle.read(buffer, 0, length, ref.offset);
    const match = /^\{"id":("(?:[^"\\]|\\.)*"),"timestamp":("(?:[^"\\]|\\.)*")/.exec(buffer.toString('utf8'));
    if (match?.[1] === undefined || match[2] === undefined) {
      const line = await this.read(ref);
      return { id: line.id, timestamp: line.timestamp };
    }
    return { id: JSON.parse(match[1]) as string, timestamp: JSON.parse(match[2]) as string };
  }

  async close(): Promise<void> {
    await this.handle?.close();
    this.handle = undefined;
  }

  /** Deletes the file (with its dataset). */
  async destroy(): Promise<void> {
    await this.close();
    this.index.clear();
    this.size = 0;
    await rm(this.file, { force: true });
  }

  private async write(line: HistoryLine): Promise<void> {
    const handle = await this.open();
    const bytes = Buffer.from(`${JSON.stringify(line)}\n`, 'utf8');
    const offset = this.size;
    await handle.write(bytes, 0, bytes.length);
    this.size += bytes.length;
    this.indexLine(line.documentIDs, offset, bytes.length - 1);
  }

  private indexLine(ids: readonly string[], offset: number, length: number): void {
    for (const id of ids) {
      const flat = this.index.get(id);
      if (flat === undefined) this.index.set(id, [offset, length]);
      else flat.push(offset, length);
    }
  }

  private async open(): Promise<FileHandle> {
    if (this.handle === undefined) {
      await mkdir(dirname(this.file), { recursive: true, mode: PRIVATE_DIR });
      this.handle = await open(this.file, 'a+', PRIVATE_FILE);
      await this.handle.chmod(PRIVATE_FILE);
    }
    return this.handle;
  }

  /**
   * Builds the index from the file, a line at a time, and cuts off an unfinished last line (a write the process
   * did not complete). Only each line's head (up to its effects) is decoded. Returns each document's newest line:
   * its id, and whether it deleted the document.
   */
  private async scan(): Promise<Map<string, { id: string; deleted: boolean }>> {
    const newest = new Map<string, { id: string; deleted: boolean }>();
    let size: number;
    try {
      size = (await stat(this.file)).size;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return newest;
      throw error;
    }
    const handle = await this.open();
    let offset = 0;
    const chunk = Buffer.alloc(1 << 20);
    let pending: Buffer[] = [];
    let position = 0;
    while (position < size) {
      const { bytesRead } = await handle.read(chunk, 0, chunk.length, position);
      if (bytesRead === 0) break;
      position += bytesRead;
      const data = chunk.subarray(0, bytesRead);
      let start = 0;
      for (let end = data.indexOf(10); end !== -1; end = data.indexOf(10, start)) {
        const bytes =
          pending.length === 0 ? data.subarray(start, end) : Buffer.concat([...pending, data.subarray(start, end)]);
        pending = [];
        start = end + 1;
        const head = lineHead(bytes, this.file, offset);
        this.indexLine(head.documentIDs, offset, bytes.length);
        for (const id of head.documentIDs) newest.set(id, { id: head.id, deleted: head.deletedIDs.includes(id) });
        offset += bytes.length + 1;
      }
      if (start < bytesRead) pending.push(Buffer.from(data.subarray(start)));
    }
    this.size = offset;
    if (pending.length > 0) {
      process.emitWarning(`lake: cutting off the unfinished last line of ${this.file} (a write cut short)`);
      await handle.truncate(offset);
    }
    return newest;
  }

  /**
   * After a crash between a commit and its history line, a document's newest line is not its current revision:
   * append one line per missing transaction that takes each such document from its last logged state to its current
   * one.
   */
  private async repair(
    newest: ReadonlyMap<string, { id: string; deleted: boolean }>,
    current: (id: string) => SanityDoc | undefined,
  ): Promise<void> {
    const missing = new Map<string, { timestamp: string; changes: DocChange[] }>();
    for (const [id, last] of newest) {
      const now = current(id) ?? null;
      if (now === null ? last.deleted : now._rev === last.id) continue;
      const before = await this.replay(id);
      const rev = now?._rev ?? `${last.id}-deleted`;
      const group = missing.get(rev) ?? { timestamp: now?._updatedAt ?? new Date().toISOString(), changes: [] };
      group.changes.push({ id, before, after: now });
      missing.set(rev, group);
    }
    for (const [rev, { timestamp, changes }] of missing) {
      process.emitWarning(`lake: ${this.file} lacked transaction ${rev} (cut short by a crash); adding it as one step`);
      await this.append({
        transactionId: rev,
        timestamp,
        identity: '',
        changes,
        effects: new Map(changes.map((change) => [change.id, effectOf(change)])),
        mutationsById: new Map(),
      });
    }
  }

  /** Document `id` as its logged lines leave it, replayed from its first line. */
  private async replay(id: string): Promise<SanityDoc | null> {
    let state: SanityDoc | null = null;
    for (const ref of this.linesOf(id)) {
      const line = await this.read(ref);
      const start = line.baseline?.[id];
      if (start !== undefined) state = start;
      const effect = line.effects[id];
      if (effect === undefined) continue;
      const next = applyPatch(withoutRev(state), effect.apply as never) as SanityDoc | null;
      state = next === null ? null : { ...next, _rev: line.id };
    }
    return state;
  }
}

/** Where a line's effects start: everything before is its head (`append` writes the fields in this order). */
const EFFECTS = Buffer.from(',"effects":');

/** A line's `id`, `documentIDs` and `deletedIDs`, decoded from its head alone. */
function lineHead(
  bytes: Buffer,
  file: string,
  offset: number,
): { id: string; documentIDs: string[]; deletedIDs: string[] } {
  const cut = bytes.indexOf(EFFECTS);
  const text = cut === -1 ? bytes.toString('utf8') : `${bytes.toString('utf8', 0, cut)}}`;
  let head: { id?: unknown; documentIDs?: unknown; deletedIDs?: unknown };
  try {
    head = JSON.parse(text) as typeof head;
  } catch (error) {
    throw new Error(`${file}: corrupt history line at byte ${offset}: ${messageOf(error)}`, { cause: error });
  }
  if (typeof head.id !== 'string' || !Array.isArray(head.documentIDs))
    throw new Error(`${file}: history line at byte ${offset} has no "id" and "documentIDs"`);
  const strings = (list: unknown): string[] =>
    Array.isArray(list) ? list.filter((item): item is string => typeof item === 'string') : [];
  return { id: head.id, documentIDs: strings(head.documentIDs), deletedIDs: strings(head.deletedIDs) };
}

/** The history file beside a dataset file. */
export function historyPath(file: string): string {
  return `${file}.history`;
}

/**
 * The line that stands for everything before the log for documents that existed before it (an import, a dataset
 * loaded from an export): one "squashed create" per revision, so that each such document's oldest known `_rev` is a
 * transaction id, as the Studio needs to align its timeline.
 */
export function squashedCreate(rev: string, docs: readonly SanityDoc[]): HistoryLine {
  const first = docs[0];
  const timestamp = first?._updatedAt ?? first?._createdAt ?? new Date(0).toISOString();
  return {
    id: rev,
    timestamp,
    author: '',
    documentIDs: docs.map((doc) => doc._id),
    effects: Object.fromEntries(
      docs.map((doc) => [doc._id, { apply: mendozaPatch(null, withoutRev(doc)), revert: mendozaPatch(doc, null) }]),
    ),
    mutations: [{ createSquashed: { authors: [], createdBy: '', createdAt: first?._createdAt ?? timestamp } }],
  };
}
