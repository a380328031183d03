import { Worker } from 'node:worker_threads';
import { dataError, LakeError } from './errors.ts';
import type { QueryParams } from './groq.ts';
import type { Perspective } from './perspective.ts';
import type { DatasetStore, SanityDoc } from './store.ts';

// groq-js evaluates with promise chains that never yield to I/O, so one expensive query used to freeze every other
// request. Queries and listener filters now run in a small pool of worker threads, each holding a replica of the
// datasets it has served: the main thread sends a snapshot the first time a worker needs a dataset and then every
// committed change, in commit order, before the mutation is answered; a worker handles its messages in order, so a
// query sent after a mutation's answer sees it. A job over its time budget terminates its worker (the only way to
// stop synchronous JavaScript) and answers 408 `queryTimeout`; a fresh worker takes its place and is sent snapshots
// again as it needs them. With two workers or more, one hostile query cannot delay a trivial one.

/** Time budget of one query, by default: about what Sanity allows before it gives up. */
export const DEFAULT_QUERY_TIMEOUT_MS = 10_000;
/** Time budget of one listener's filter over one transaction's documents, by default. */
export const DEFAULT_LISTEN_FILTER_TIMEOUT_MS = 1000;
/** Query workers, by default. */
export const DEFAULT_QUERY_WORKERS = 2;
/** Heap of one worker: a query that builds a larger result fails alone instead of exhausting the server's memory. */
const WORKER_HEAP_MB = 1024;

/** A query as the HTTP API received it, with who asked. */
export interface QueryRequest {
  source: string;
  params: QueryParams;
  perspective: Perspective;
  anonymous: boolean;
  projectId: string;
  datasetName: string;
  identity: string | undefined;
}

/** A listener's filter and the documents to test against it. */
export interface MatchRequest {
  source: string;
  params: QueryParams;
  docs: SanityDoc[];
  projectId: string;
  datasetName: string;
  identity: string | undefined;
}

/** Messages the main thread sends a worker (see query-worker.ts). */
export type ToWorker =
  | { kind: 'seed'; dataset: number; docs: SanityDoc[] }
  | { kind: 'change'; dataset: number; changes: { id: string; after: SanityDoc | null }[] }
  | ({ kind: 'query'; job: number; dataset: number } & QueryRequest)
  | ({ kind: 'match'; job: number } & MatchRequest);

/** A worker's answer to a job: the result as JSON text, or an error (with Sanity's status and body when it has them). */
type FromWorker = { job: number; ok: true; json: string; ms: number } | { job: number; ok: false; status: number | undefined; body: unknown; message: string };

interface Job {
  message: Extract<ToWorker, { kind: 'query' | 'match' }>;
  store: DatasetStore | undefined;
  timeoutMs: number;
  what: string;
  resolve: (answer: { json: string; ms: number }) => void;
  reject: (error: Error) => void;
}

interface Slot {
  worker: Worker;
  /** Datasets (by key) this worker holds a replica of. */
  datasets: Set<number>;
  job: Job | undefined;
  timer: NodeJS.Timeout | undefined;
}

/** Options of a `QueryPool`. */
export interface QueryPoolOptions {
  workers?: number;
  queryTimeoutMs?: number;
  listenFilterTimeoutMs?: number;
  log?: (line: string) => void;
}

/** Worker threads that run GROQ with a time budget (see the top of this file). */
export class QueryPool {
  readonly queryTimeoutMs: number;
  readonly listenFilterTimeoutMs: number;
  private readonly size: number;
  private readonly log: (line: string) => void;
  private readonly slots = new Set<Slot>();
  private readonly pending: Job[] = [];
  private readonly storeKeys = new WeakMap<DatasetStore, number>();
  private nextKey = 1;
  private nextJob = 1;
  private closed = false;

  constructor(options: QueryPoolOptions = {}) {
    this.size = Math.max(2, options.workers ?? DEFAULT_QUERY_WORKERS);
    this.queryTimeoutMs = options.queryTimeoutMs ?? DEFAULT_QUERY_TIMEOUT_MS;
    this.listenFilterTimeoutMs = options.listenFilterTimeoutMs ?? DEFAULT_LISTEN_FILTER_TIMEOUT_MS;
    this.log = options.log ?? (() => undefined);
    for (let index = 0; index < this.size; index += 1) this.spawn();
  }

  /** Runs a query over a dataset as the perspective shows it; resolves to the result as JSON text and its duration. */
  query(store: DatasetStore, request: QueryRequest): Promise<{ json: string; ms: number }> {
    const dataset = this.keyOf(store);
    return this.submit({ kind: 'query', job: this.nextJob++, dataset, ...request }, store, this.queryTimeoutMs, 'query');
  }

  /** Whether a listener's filter selects each of `request.docs`. */
  async match(request: MatchRequest): Promise<boolean[]> {
    const { json } = await this.submit({ kind: 'match', job: this.nextJob++, ...request }, undefined, this.listenFilterTimeoutMs, 'listener filter');
    return JSON.parse(json) as boolean[];
  }

  /** Stops every worker; pending jobs fail. */
  async close(): Promise<void> {
    this.closed = true;
    for (const job of this.pending.splice(0)) job.reject(dataError(503, 'serviceUnavailable', 'The lake is stopping'));
    const slots = [...this.slots];
    this.slots.clear();
    for (const slot of slots) {
      clearTimeout(slot.timer);
      slot.job?.reject(dataError(503, 'serviceUnavailable', 'The lake is stopping'));
    }
    await Promise.all(slots.map((slot) => slot.worker.terminate()));
  }

  private submit(message: Job['message'], store: DatasetStore | undefined, timeoutMs: number, what: string): Promise<{ json: string; ms: number }> {
    if (this.closed) return Promise.reject(dataError(503, 'serviceUnavailable', 'The lake is stopping'));
    return new Promise((resolve, reject) => {
      this.pending.push({ message, store, timeoutMs, what, resolve, reject });
      this.dispatch();
    });
  }

  /** The key a dataset's replicas go by; the first time, starts forwarding its commits to the workers that hold it. */
  private keyOf(store: DatasetStore): number {
    let key = this.storeKeys.get(store);
    if (key === undefined) {
      const dataset = this.nextKey++;
      key = dataset;
      this.storeKeys.set(store, dataset);
      store.observe((changes) => {
        const message: ToWorker = { kind: 'change', dataset, changes: changes.map(({ id, after }) => ({ id, after })) };
        for (const slot of this.slots) if (slot.datasets.has(dataset)) slot.worker.postMessage(message);
      });
    }
    return key;
  }

  private dispatch(): void {
    for (const slot of this.slots) {
      if (slot.job !== undefined) continue;
      const job = this.pending.shift();
      if (job === undefined) return;
      const { message } = job;
      if (message.kind === 'query' && job.store !== undefined && !slot.datasets.has(message.dataset)) {
        const seed: ToWorker = { kind: 'seed', dataset: message.dataset, docs: [...job.store.all()] };
        slot.worker.postMessage(seed);
        slot.datasets.add(message.dataset);
      }
      slot.job = job;
      slot.timer = setTimeout(() => {
        this.replace(slot, dataError(408, 'queryTimeout', `The ${job.what} took longer than its budget of ${job.timeoutMs} ms and was stopped; narrow it (filter on _type or _id first, fewer nested subqueries, shorter wildcard patterns)`, { query: message.source }));
      }, job.timeoutMs);
      slot.worker.postMessage(message);
    }
  }

  private spawn(): void {
    // Node's flags minus --input-type, which a worker started from a file refuses (the lake may run from `node -e`).
    const execArgv = process.execArgv.filter((flag) => !flag.startsWith('--input-type'));
    const worker = new Worker(new URL('./query-worker.ts', import.meta.url), { execArgv, resourceLimits: { maxOldGenerationSizeMb: WORKER_HEAP_MB } });
    worker.unref();
    const slot: Slot = { worker, datasets: new Set(), job: undefined, timer: undefined };
    worker.on('message', (answer: FromWorker) => {
      const job = slot.job;
      if (job === undefined || answer.job !== job.message.job) return;
      clearTimeout(slot.timer);
      slot.job = undefined;
      if (answer.ok) job.resolve({ json: answer.json, ms: answer.ms });
      else if (answer.status !== undefined) job.reject(new LakeError(answer.status, answer.message, answer.body));
      else job.reject(dataError(400, 'queryExecutionError', `GROQ query failed: ${answer.message}`));
      this.dispatch();
    });
    worker.on('error', (error: Error & { code?: string }) => {
      const memory = error.code === 'ERR_WORKER_OUT_OF_MEMORY';
      if (!memory) this.log(`lake: query worker failed: ${error.message}`);
      this.replace(slot, memory ? dataError(400, 'queryExecutionError', `The ${slot.job?.what ?? 'query'} needed more than ${WORKER_HEAP_MB} MB of memory and was stopped; select fewer documents or fields`) : dataError(500, 'internalError', `The query worker failed: ${error.message}`));
    });
    worker.on('exit', () => {
      if (this.slots.has(slot)) this.replace(slot, dataError(500, 'internalError', 'The query worker stopped unexpectedly'));
    });
    this.slots.add(slot);
  }

  /** Terminates a worker (its replicas go with it), fails its job with `error`, and starts a fresh one. */
  private replace(slot: Slot, error: LakeError): void {
    if (!this.slots.delete(slot)) return;
    clearTimeout(slot.timer);
    slot.job?.reject(error);
    slot.job = undefined;
    void slot.worker.terminate();
    if (!this.closed) {
      this.spawn();
      this.dispatch();
    }
  }
}
