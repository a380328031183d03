import { Worker } from 'node:worker_threads';
import { dataError, LakeError } from './errors.ts';
import type { FromWorker, MatchRequest, QueryRequest, ToWorker } from './query-messages.ts';
import type { DatasetStore } from './store.ts';

// groq-js evaluates with promise chains that never yield to I/O, so one expensive query used to freeze every other
// request. Queries and listener filters now run in a small pool of worker threads, each holding a replica of the
// datasets it has served: the main thread sends a snapshot the first time a worker needs a dataset and then every
// committed change, in commit order, before the mutation is answered; a worker handles its messages in order, so a
// query sent after a mutation's answer sees it. A job over its time budget terminates its worker (the only way to
// stop synchronous JavaScript) and answers 408 `queryTimeout`; a fresh worker takes its place and is sent snapshots
// again as it needs them. With two workers or more, one hostile query cannot delay a trivial one.
//
// A large dataset (100,000 stories: half a gigabyte of JSON) takes seconds to copy into a worker. The copy is sent a
// batch of documents at a time, so the server keeps answering meanwhile; a job's time budget starts once its worker
// holds the dataset (copying it is not the query's cost); and a worker's heap is sized to hold its replicas plus the
// per-query allowance. The primary dataset is copied to every worker when the lake starts (`prepare`), so the first
// queries do not wait for it.

/** Time budget of one query, by default: about what Sanity allows before it gives up. */
export const DEFAULT_QUERY_TIMEOUT_MS = 10_000;
/** Time budget of one listener's filter over one transaction's documents, by default. */
export const DEFAULT_LISTEN_FILTER_TIMEOUT_MS = 1000;
/** Query workers, by default. */
export const DEFAULT_QUERY_WORKERS = 2;
/**
 * Heap of one worker beyond its replicas: a query that builds a larger result fails alone instead of exhausting the
 * server's memory.
 */
const WORKER_HEAP_MB = 1024;
/** Heap a replica takes per byte of the dataset's JSON (about 1.9 measured on generated stories), with a margin. */
const REPLICA_HEAP_PER_JSON_BYTE = 2.5;
/** Documents per message of a replica's first copy. */
const SEED_BATCH = 2000;

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
  /** Its heap limit (`maxOldGenerationSizeMb`). */
  heapMb: number;
  /** Datasets (by key) this worker holds a replica of, or is being sent. */
  datasets: Set<number>;
  /** Datasets still being sent; a job on one of them starts its budget when the worker has it all. */
  seeding: Set<number>;
  job: Job | undefined;
  timer: NodeJS.Timeout | undefined;
  /** Whether the worker has loaded and listens: a job's budget starts then, not while a new worker starts up. */
  ready: boolean;
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
  private readonly stores = new Map<number, WeakRef<DatasetStore>>();
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
    return this.submit(
      { kind: 'query', job: this.nextJob++, dataset, ...request },
      store,
      this.queryTimeoutMs,
      'query',
    );
  }

  /** Whether a listener's filter selects each of `request.docs`. */
  async match(request: MatchRequest): Promise<boolean[]> {
    const { json } = await this.submit(
      { kind: 'match', job: this.nextJob++, ...request },
      undefined,
      this.listenFilterTimeoutMs,
      'listener filter',
    );
    return JSON.parse(json) as boolean[];
  }

  /**
   * Copies a dataset into every worker now (each is replaced first by one with a large enough heap, if need be),
   * so that the first queries need not wait for it.
   */
  prepare(store: DatasetStore): void {
    const dataset = this.keyOf(store);
    for (const slot of [...this.slots]) {
      if (slot.job !== undefined || slot.datasets.has(dataset)) continue;
      this.seed(this.fit(slot, store), dataset, store);
    }
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

  private submit(
    message: Job['message'],
    store: DatasetStore | undefined,
    timeoutMs: number,
    what: string,
  ): Promise<{ json: string; ms: number }> {
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
      this.stores.set(dataset, new WeakRef(store));
      store.observe((changes) => {
        const message: ToWorker = { kind: 'change', dataset, changes: changes.map(({ id, after }) => ({ id, after })) };
        for (const slot of this.slots) if (slot.datasets.has(dataset)) slot.worker.postMessage(message);
      });
    }
    return key;
  }

  private dispatch(): void {
    for (let slot of [...this.slots]) {
      if (slot.job !== undefined || !this.slots.has(slot)) continue;
      const job = this.pending.shift();
      if (job === undefined) return;
      const { message } = job;
      if (message.kind === 'query' && job.store !== undefined && !slot.datasets.has(message.dataset)) {
        slot = this.fit(slot, job.store);
        this.seed(slot, message.dataset, job.store);
      }
      slot.job = job;
      // Starting a worker and copying the dataset into it are not the query's cost: the budget starts when the worker
      // has loaded and holds the dataset.
      if (slot.ready && (message.kind !== 'query' || !slot.seeding.has(message.dataset))) this.startBudget(slot, job);
      slot.worker.postMessage(message);
    }
  }

  private startBudget(slot: Slot, job: Job): void {
    clearTimeout(slot.timer);
    slot.timer = setTimeout(() => {
      this.replace(
        slot,
        dataError(
          408,
          'queryTimeout',
          `The ${job.what} took longer than its budget of ${job.timeoutMs} ms and was stopped; narrow it (filter on _type or _id first, fewer nested subqueries, shorter wildcard patterns)`,
          { query: job.message.source },
        ),
      );
    }, job.timeoutMs);
  }

  /** The heap a worker needs for the replicas of `datasets`, plus the per-query allowance. */
  private heapFor(datasets: Iterable<number>): number {
    let bytes = 0;
    for (const dataset of datasets) bytes += this.stores.get(dataset)?.deref()?.bytes ?? 0;
    return WORKER_HEAP_MB + Math.ceil((bytes * REPLICA_HEAP_PER_JSON_BYTE) / 2 ** 20);
  }

  /**
   * `slot`, or, when its heap could not also hold a replica of `store`, an idle worker with a large enough heap in
   * its place (its replicas go with the old one and are sent again as needed).
   */
  private fit(slot: Slot, store: DatasetStore): Slot {
    const needed = this.heapFor([...slot.datasets, this.keyOf(store)]);
    if (slot.heapMb >= needed) return slot;
    this.slots.delete(slot);
    clearTimeout(slot.timer);
    void slot.worker.terminate();
    // With room to grow: the dataset grows with every write.
    return this.spawn(Math.ceil(needed * 1.25));
  }

  /** Sends a replica of the dataset to the worker, a batch at a time, giving the event loop a turn between batches. */
  private seed(slot: Slot, dataset: number, store: DatasetStore): void {
    // From here on the worker gets this dataset's commits; the worker ignores a batch's older copy of a document a
    // commit already changed.
    slot.datasets.add(dataset);
    slot.seeding.add(dataset);
    const docs = [...store.all()];
    const send = (start: number): void => {
      if (!this.slots.has(slot)) return;
      const last = start + SEED_BATCH >= docs.length;
      const message: ToWorker = {
        kind: 'seed',
        dataset,
        docs: docs.slice(start, start + SEED_BATCH),
        first: start === 0,
        last,
      };
      slot.worker.postMessage(message);
      if (!last) setImmediate(send, start + SEED_BATCH);
    };
    send(0);
  }

  private spawn(heapMb = this.heapFor(this.stores.keys())): Slot {
    // Node's flags minus --input-type, which a worker started from a file refuses (the lake may run from `node -e`).
    const execArgv = process.execArgv.filter((flag) => !flag.startsWith('--input-type'));
    const worker = new Worker(new URL('./query-worker.ts', import.meta.url), {
      execArgv,
      resourceLimits: { maxOldGenerationSizeMb: heapMb },
    });
    worker.unref();
    const slot: Slot = {
      worker,
      heapMb,
      datasets: new Set(),
      seeding: new Set(),
      job: undefined,
      timer: undefined,
      ready: false,
    };
    worker.on('message', (answer: FromWorker) => {
      if ('ready' in answer) {
        slot.ready = true;
        const waiting = slot.job;
        if (
          waiting &&
          slot.timer === undefined &&
          !(waiting.message.kind === 'query' && slot.seeding.has(waiting.message.dataset))
        )
          this.startBudget(slot, waiting);
        return;
      }
      if ('seeded' in answer) {
        slot.seeding.delete(answer.seeded);
        const waiting = slot.job;
        if (
          waiting?.message.kind === 'query' &&
          waiting.message.dataset === answer.seeded &&
          slot.timer === undefined &&
          slot.ready
        )
          this.startBudget(slot, waiting);
        return;
      }
      const job = slot.job;
      if (job === undefined || answer.job !== job.message.job) return;
      clearTimeout(slot.timer);
      slot.timer = undefined;
      slot.job = undefined;
      if (answer.ok) job.resolve({ json: answer.json, ms: answer.ms });
      else if (answer.status !== undefined) job.reject(new LakeError(answer.status, answer.message, answer.body));
      else job.reject(dataError(400, 'queryExecutionError', `GROQ query failed: ${answer.message}`));
      this.dispatch();
    });
    worker.on('error', (error: Error & { code?: string }) => {
      const memory = error.code === 'ERR_WORKER_OUT_OF_MEMORY';
      if (!memory) this.log(`lake: query worker failed: ${error.message}`);
      this.replace(
        slot,
        memory
          ? dataError(
              400,
              'queryExecutionError',
              `The ${slot.job?.what ?? 'query'} needed more than ${WORKER_HEAP_MB} MB of memory and was stopped; select fewer documents or fields`,
            )
          : dataError(500, 'internalError', `The query worker failed: ${error.message}`),
      );
    });
    worker.on('exit', () => {
      if (this.slots.has(slot))
        this.replace(slot, dataError(500, 'internalError', 'The query worker stopped unexpectedly'));
    });
    this.slots.add(slot);
    return slot;
  }

  /** Terminates a worker (its replicas go with it), fails its job with `error`, and starts a fresh one. */
  private replace(slot: Slot, error: LakeError): void {
    if (!this.slots.delete(slot)) return;
    clearTimeout(slot.timer);
    slot.timer = undefined;
    slot.job?.reject(error);
    slot.job = undefined;
    void slot.worker.terminate();
    if (!this.closed) {
      this.spawn();
      this.dispatch();
    }
  }
}
