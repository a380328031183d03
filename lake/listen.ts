import { messageOf } from './errors.ts';
import type { QueryParams } from './groq.ts';
import { isDraftId, isPrivateId, isVersionId, randomId } from './ids.ts';
import type { QueryPool } from './query-pool.ts';
import type { SanityDoc } from './types.ts';
import type { CommittedTransaction } from './transaction.ts';

/** Where a listener's events go: one server-sent event per call. */
export interface EventSink {
  send(event: string, data: unknown, id?: string): void;
  /** Ends the stream (after a `channelError`). */
  close(): void;
}

/** A `GET /data/listen` subscription. */
export interface Listener {
  dataset: string;
  /** The GROQ filter, already checked to parse; evaluated in the query workers. */
  query: string;
  params: QueryParams;
  projectId: string;
  sink: EventSink;
  includeResult: boolean;
  includePreviousRevision: boolean;
  includeMutations: boolean;
  /** Drafts and release versions too (`includeAllVersions`, or the default before API v2025-02-19). */
  includeAllVersions: boolean;
  /** Anonymous listeners never hear about private (dotted) ids. */
  anonymous: boolean;
  /** `effectFormat=mendoza`: each event carries `effects: {apply, revert}`, mendoza patches between the revisions. */
  effects: boolean;
}

/**
 * Fans committed transactions out to listeners as Sanity's `mutation` events. Each listener's events are
 * evaluated and sent in commit order; a document's `transition` says whether it entered (`appear`), stayed in
 * (`update`) or left (`disappear`) the set the listener's query selects.
 */
export class ListenHub {
  private readonly listeners = new Map<Listener, Promise<void>>();
  private readonly log: (line: string) => void;
  private readonly queries: QueryPool;

  constructor(queries: QueryPool, log: (line: string) => void = () => undefined) {
    this.queries = queries;
    this.log = log;
  }

  /** Registers a listener; call the returned function when its connection closes. */
  add(listener: Listener): () => void {
    this.listeners.set(listener, Promise.resolve());
    listener.sink.send('welcome', { listenerName: `lake-${randomId(12)}` });
    return () => {
      this.listeners.delete(listener);
    };
  }

  /** Number of open listeners. */
  get size(): number {
    return this.listeners.size;
  }

  /** Queues the events a committed transaction produces for every listener of its dataset. */
  publish(transaction: CommittedTransaction): void {
    for (const [listener, previous] of this.listeners) {
      if (listener.dataset !== transaction.store.name) continue;
      const next = previous
        .then(() => this.notify(listener, transaction))
        .catch((error: unknown) => {
          // A filter that fails or runs over its budget would fail again on every commit: end that listener, saying why.
          this.log(
            `listen: could not evaluate the listener query for transaction ${transaction.transactionId}: ${messageOf(error)}`,
          );
          const body = (error as { body?: unknown }).body;
          listener.sink.send('channelError', body ?? { message: `The listener query failed: ${messageOf(error)}` });
          listener.sink.close();
          this.listeners.delete(listener);
        });
      this.listeners.set(listener, next);
    }
  }

  private async notify(listener: Listener, transaction: CommittedTransaction): Promise<void> {
    if (!this.listeners.has(listener)) return;
    const changes = transaction.changes.filter(
      (change) =>
        !(listener.anonymous && isPrivateId(change.id)) &&
        (listener.includeAllVersions || !(isDraftId(change.id) || isVersionId(change.id))),
    );
    // Every revision of the transaction is tested in one job, off the main thread and within the filter's budget.
    const docs = changes.flatMap((change) =>
      [change.before, change.after].filter((doc): doc is SanityDoc => doc !== null),
    );
    const matched =
      docs.length === 0
        ? []
        : await this.queries.match({
            source: listener.query,
            params: listener.params,
            docs,
            projectId: listener.projectId,
            datasetName: transaction.store.name,
            identity: transaction.identity,
          });
    let next = 0;
    const events: Record<string, unknown>[] = [];
    for (const change of changes) {
      const matchedBefore = change.before !== null && matched[next++] === true;
      const matchedAfter = change.after !== null && matched[next++] === true;
      if (!matchedBefore && !matchedAfter) continue;
      const event: Record<string, unknown> = {
        eventId: `${transaction.transactionId}#${change.id}`,
        documentId: change.id,
        transactionId: transaction.transactionId,
        transition: matchedBefore && matchedAfter ? 'update' : matchedAfter ? 'appear' : 'disappear',
        identity: transaction.identity,
        timestamp: transaction.timestamp,
        visibility: 'query',
      };
      if (change.before?._rev !== undefined) event['previousRev'] = change.before._rev;
      // A delete still produces a revision (the transaction's), which the Studio chains its document state on.
      event['resultRev'] = change.after?._rev ?? transaction.transactionId;
      // Per-field mendoza patches between the revisions without `_rev`, which the Studio applies to the previous
      // revision (and attributes each changed field to this transaction in Review changes).
      if (listener.effects) event['effects'] = transaction.effects.get(change.id);
      if (listener.includeMutations) event['mutations'] = transaction.mutationsById.get(change.id) ?? [];
      if (listener.includeResult && change.after !== null) event['result'] = change.after;
      if (listener.includePreviousRevision) event['previous'] = change.before;
      events.push(event);
    }
    for (const [index, event] of events.entries()) {
      event['transactionTotalEvents'] = events.length;
      event['transactionCurrentEvent'] = index;
      listener.sink.send('mutation', event, String(event['eventId']));
    }
  }
}
