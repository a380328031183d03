import { encodeSignatureHeader } from '@sanity/webhook';
import type { ExprNode } from 'groq-js';
import { messageOf } from './errors.ts';
import { evaluateQuery, parseQuery } from './groq.ts';
import { isDraftId, isVersionId, randomId } from './ids.ts';
import type { SanityDoc } from './types.ts';
import type { CommittedTransaction } from './transaction.ts';

/** A GROQ-powered document webhook, configured like Sanity's (one delivery per matching document per transaction). */
export interface WebhookConfig {
  name?: string;
  url: string;
  /** Dataset name; absent or `*` means every dataset. */
  dataset?: string;
  /** GROQ filter on the document (the document after the change, before it for deletes); absent matches all. */
  filter?: string;
  /** GROQ projection making the JSON body, e.g. `{_id, _type, slug}`; absent sends the whole document. */
  projection?: string;
  /** Signs each delivery in `sanity-webhook-signature` (as `@sanity/webhook` verifies) when set. */
  secret?: string;
  /** Which changes trigger it; all three when absent. */
  on?: ('create' | 'update' | 'delete')[];
  /** Whether drafts (and release versions) trigger it too, as Sanity's "Trigger on drafts". */
  includeDrafts?: boolean;
}

/** Waits before each retry of a failed delivery: 1 s, 2 s, 4 s (so at most four attempts). */
export const DEFAULT_RETRY_DELAYS_MS: readonly number[] = [1000, 2000, 4000];
/** A receiver that has not answered in this long counts as failed. */
const DELIVERY_TIMEOUT_MS = 10_000;

interface CompiledWebhook {
  config: WebhookConfig;
  label: string;
  filter: ExprNode | undefined;
  projection: ExprNode | undefined;
  on: ReadonlySet<string>;
}

/**
 * Checks webhook configs (URL, trigger names, GROQ filter and projection) and compiles them, throwing one error
 * that lists every problem, each naming the webhook and the field.
 */
export function compileWebhooks(webhooks: readonly WebhookConfig[]): CompiledWebhook[] {
  const problems: string[] = [];
  const compiled: CompiledWebhook[] = [];
  for (const [index, config] of webhooks.entries()) {
    const label = `webhooks[${index}]${config.name === undefined ? '' : ` ("${config.name}")`}`;
    try {
      const url = new URL(config.url);
      if (url.protocol !== 'http:' && url.protocol !== 'https:')
        problems.push(`${label}.url: expected an http(s) URL, received "${config.url}"`);
    } catch {
      problems.push(`${label}.url: expected an absolute http(s) URL, received ${JSON.stringify(config.url)}`);
    }
    const on = new Set<string>(config.on ?? ['create', 'update', 'delete']);
    for (const trigger of on) {
      if (!['create', 'update', 'delete'].includes(trigger))
        problems.push(`${label}.on: expected "create", "update" or "delete", received "${trigger}"`);
    }
    const filter = compileGroq(config.filter, `${label}.filter`, problems);
    const projection = compileGroq(config.projection, `${label}.projection`, problems);
    compiled.push({ config, label, filter, projection, on });
  }
  if (problems.length > 0) throw new Error(`Invalid webhook configuration:\n- ${problems.join('\n- ')}`);
  return compiled;
}

function compileGroq(source: string | undefined, field: string, problems: string[]): ExprNode | undefined {
  if (source === undefined || source.trim() === '') return undefined;
  try {
    // Delta mode, as Sanity's webhooks: before(), after() and delta::*() are available.
    return parseQuery(source, {}, 'delta');
  } catch (error) {
    const body = (error as { body?: { error?: { description?: string; start?: number } } }).body;
    const detail = body?.error?.description ?? messageOf(error);
    problems.push(
      `${field}: invalid GROQ ${JSON.stringify(source)}: ${detail}${body?.error?.start === undefined ? '' : ` at position ${body.error.start}`}`,
    );
    return undefined;
  }
}

/** Options of the dispatcher besides the webhooks. */
export interface DispatcherOptions {
  retryDelaysMs?: readonly number[];
  log?: (line: string) => void;
}

/**
 * Sends webhook deliveries after commits, in the background: a delivery never delays the mutation's response.
 * Each delivery is retried with backoff while the receiver fails (network error or non-2xx), keeping its
 * `idempotency-key`, so a receiver can drop repeats.
 */
export class WebhookDispatcher {
  private readonly hooks: CompiledWebhook[];
  private readonly retryDelaysMs: readonly number[];
  private readonly log: (line: string) => void;
  private readonly aborter = new AbortController();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly inFlight = new Set<Promise<void>>();

  constructor(webhooks: readonly WebhookConfig[], options: DispatcherOptions = {}) {
    this.hooks = compileWebhooks(webhooks);
    this.retryDelaysMs = options.retryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS;
    this.log = options.log ?? (() => undefined);
  }

  /** Queues the deliveries a committed transaction triggers; returns at once. */
  dispatch(transaction: CommittedTransaction): void {
    if (this.hooks.length === 0) return;
    const task = this.deliverAll(transaction).catch((error: unknown) =>
      this.log(`webhooks: could not evaluate transaction ${transaction.transactionId}: ${messageOf(error)}`),
    );
    this.track(task);
  }

  /** Resolves when every delivery started so far has succeeded or used up its retries (for tests and shutdown). */
  async idle(): Promise<void> {
    while (this.inFlight.size > 0 || this.timers.size > 0) {
      await Promise.all([...this.inFlight]);
      if (this.timers.size > 0) await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /** Cancels pending retries and aborts deliveries in flight. */
  close(): void {
    this.aborter.abort();
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  private track(task: Promise<void>): void {
    this.inFlight.add(task);
    void task.finally(() => this.inFlight.delete(task));
  }

  private async deliverAll(transaction: CommittedTransaction): Promise<void> {
    const datasetName = transaction.store.name;
    for (const hook of this.hooks) {
      const wanted = hook.config.dataset;
      if (wanted !== undefined && wanted !== '*' && wanted !== datasetName) continue;
      for (const change of transaction.changes) {
        const operation = change.before === null ? 'create' : change.after === null ? 'delete' : 'update';
        if (!hook.on.has(operation)) continue;
        if ((isDraftId(change.id) || isVersionId(change.id)) && hook.config.includeDrafts !== true) continue;
        const doc = (change.after ?? change.before) as SanityDoc;
        const context = {
          dataset: transaction.store.view({ kind: 'raw' }, false),
          projectId: transaction.projectId,
          datasetName,
          identity: transaction.identity,
          root: doc,
          before: change.before,
          after: change.after,
        };
        if (hook.filter !== undefined && (await evaluateQuery(hook.filter, context)) !== true) continue;
        const body = hook.projection === undefined ? doc : await evaluateQuery(hook.projection, context);
        const message: Delivery = {
          hook,
          payload: JSON.stringify(body ?? null),
          idempotencyKey: `lake-${randomId()}`,
          headers: {
            'sanity-transaction-id': transaction.transactionId,
            'sanity-transaction-time': transaction.timestamp,
            'sanity-document-id': change.id,
            'sanity-operation': operation,
            'sanity-dataset': datasetName,
            'sanity-project-id': transaction.projectId,
            'sanity-webhook-id': hook.config.name ?? hook.label,
          },
        };
        this.track(this.attempt(message, 0));
      }
    }
  }

  private async attempt(delivery: Delivery, attempt: number): Promise<void> {
    const { hook } = delivery;
    const target = `webhook ${hook.label} -> ${hook.config.url} (${delivery.headers['sanity-operation']} ${delivery.headers['sanity-document-id']}, attempt ${attempt + 1})`;
    let failure: string;
    try {
      const headers: Record<string, string> = {
        'content-type': 'application/json',
        'user-agent': 'Sanity.io webhook delivery (local lake)',
        'idempotency-key': delivery.idempotencyKey,
        ...delivery.headers,
      };
      if (hook.config.secret !== undefined && hook.config.secret !== '') {
        // Signed at send time, as Sanity does: a retry carries a fresh timestamp over the same payload.
        headers['sanity-webhook-signature'] = await encodeSignatureHeader(
          delivery.payload,
          Date.now(),
          hook.config.secret,
        );
      }
      const response = await fetch(hook.config.url, {
        method: 'POST',
        headers,
        body: delivery.payload,
        signal: AbortSignal.any([this.aborter.signal, AbortSignal.timeout(DELIVERY_TIMEOUT_MS)]),
      });
      await response.arrayBuffer().catch(() => undefined);
      if (response.ok) {
        this.log(`${target}: delivered (${response.status})`);
        return;
      }
      failure = `receiver answered ${response.status}`;
    } catch (error) {
      if (this.aborter.signal.aborted) return;
      failure = messageOf(error);
    }
    const delay = this.retryDelaysMs[attempt];
    if (delay === undefined) {
      this.log(`${target}: failed (${failure}); giving up after ${attempt + 1} attempts`);
      return;
    }
    this.log(`${target}: failed (${failure}); retrying in ${delay} ms`);
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.track(this.attempt(delivery, attempt + 1));
    }, delay);
    this.timers.add(timer);
  }
}

interface Delivery {
  hook: CompiledWebhook;
  payload: string;
  idempotencyKey: string;
  headers: Record<string, string>;
}
