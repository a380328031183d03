/**
 * A query worker (see query-pool.ts): holds replicas of the datasets it was sent, applies their changes in order,
 * and answers queries and listener matches, so that an expensive query stalls this thread, never the server's.
 */
import { parentPort } from 'node:worker_threads';
import type { ExprNode } from 'groq-js';
import { messageOf } from './errors.ts';
import { evaluateQuery, parseQuery } from './groq.ts';
import { perspectiveKey, viewOf } from './perspective.ts';
import { DocView, planQuery } from './plan.ts';
import type { ToWorker } from './query-messages.ts';
import type { SanityDoc } from './types.ts';
import { resolveTextQueries } from './text-query.ts';

interface Replica {
  docs: Map<string, SanityDoc>;
  views: Map<string, DocView>;
  /** While the replica is still arriving: ids a commit changed since, whose batch copy is older. */
  changed: Set<string> | undefined;
}

const replicas = new Map<number, Replica>();
/** Parsed listener filters by source and parameters: a listener's filter is parsed once, not once per commit. */
const filters = new Map<string, ExprNode>();
const port = parentPort;
if (port === null) throw new Error('query-worker.ts runs as a worker thread (see query-pool.ts)');

port.on('message', (message: ToWorker) => {
  // Messages are handled strictly in order: a query sent after a change sees it (read-your-writes).
  queue = queue.then(() => handle(message));
});
let queue: Promise<void> = Promise.resolve();
// The pool starts a job's budget from here: loading this worker's modules is not the job's cost.
port.postMessage({ ready: true });

async function handle(message: ToWorker): Promise<void> {
  switch (message.kind) {
    case 'seed': {
      // The replica arrives in batches (see `seed` in query-pool.ts), interleaved with the commits made meanwhile.
      if (message.first) replicas.set(message.dataset, { docs: new Map(), views: new Map(), changed: new Set() });
      const replica = replicas.get(message.dataset);
      if (replica === undefined) return;
      for (const doc of message.docs) if (!replica.changed?.has(doc._id)) replica.docs.set(doc._id, doc);
      replica.views.clear();
      if (message.last) {
        replica.changed = undefined;
        port?.postMessage({ seeded: message.dataset });
      }
      return;
    }
    case 'change': {
      const replica = replicas.get(message.dataset);
      if (replica === undefined) return;
      for (const { id, after } of message.changes) {
        replica.changed?.add(id);
        if (after === null) replica.docs.delete(id);
        else replica.docs.set(id, after);
      }
      replica.views.clear();
      return;
    }
    case 'query':
    case 'match':
      try {
        const started = performance.now();
        const result = message.kind === 'query' ? await query(message) : await match(message);
        port?.postMessage({
          job: message.job,
          ok: true,
          json: JSON.stringify(result) ?? 'null',
          ms: Math.round(performance.now() - started),
        });
      } catch (error) {
        const lake = error as { status?: unknown; body?: unknown };
        const status = typeof lake.status === 'number' ? lake.status : undefined;
        port?.postMessage({
          job: message.job,
          ok: false,
          status,
          body: status === undefined ? undefined : lake.body,
          message: messageOf(error),
        });
      }
  }
}

async function query(message: Extract<ToWorker, { kind: 'query' }>): Promise<unknown> {
  const replica = replicas.get(message.dataset);
  if (replica === undefined) throw new Error(`dataset ${message.datasetName} was not sent to this worker`);
  const key = `${perspectiveKey(message.perspective)}|${message.anonymous ? 'anon' : 'auth'}`;
  let view = replica.views.get(key);
  if (view === undefined) {
    view = new DocView(viewOf(replica.docs.values(), message.perspective, message.anonymous));
    replica.views.set(key, view);
  }
  const context = {
    params: message.params,
    projectId: message.projectId,
    datasetName: message.datasetName,
    ...(message.identity === undefined ? {} : { identity: message.identity }),
  };
  // text::query() is resolved first (groq-js cannot run it), so that the planner sees the _id lists it leaves.
  const tree = planQuery(
    await resolveTextQueries(parseQuery(message.source, message.params), view.docs, context),
    view,
  );
  return evaluateQuery(tree, { ...context, dataset: view.docs });
}

/** Whether a listener's filter selects each document (its order and projection are ignored, as in Sanity). */
async function match(message: Extract<ToWorker, { kind: 'match' }>): Promise<boolean[]> {
  const key = JSON.stringify([message.source, message.params]);
  let tree = filters.get(key);
  if (tree === undefined) {
    tree = parseQuery(message.source, message.params);
    if (filters.size >= 1000) filters.clear();
    filters.set(key, tree);
  }
  const out: boolean[] = [];
  for (const doc of message.docs) {
    const result = await evaluateQuery(tree, {
      dataset: [doc],
      params: message.params,
      projectId: message.projectId,
      datasetName: message.datasetName,
      ...(message.identity === undefined ? {} : { identity: message.identity }),
    });
    out.push(Array.isArray(result) ? result.length > 0 : result !== null && result !== false && result !== undefined);
  }
  return out;
}
