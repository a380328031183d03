import type { QueryParams } from './groq.ts';
import type { Perspective } from './perspective.ts';
import type { SanityDoc } from './types.ts';

// The messages between the query pool (query-pool.ts, the main thread) and its workers (query-worker.ts), in a
// module of their own so that neither side imports the other.

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
  | { kind: 'seed'; dataset: number; docs: SanityDoc[]; first: boolean; last: boolean }
  | { kind: 'change'; dataset: number; changes: { id: string; after: SanityDoc | null }[] }
  | ({ kind: 'query'; job: number; dataset: number } & QueryRequest)
  | ({ kind: 'match'; job: number } & MatchRequest);

/**
 * A worker's answer to a job: the result as JSON text, or an error (with Sanity's status and body when it has them);
 * or the news that it holds a dataset's whole replica.
 */
export type FromWorker =
  | { job: number; ok: true; json: string; ms: number }
  | { job: number; ok: false; status: number | undefined; body: unknown; message: string }
  | { seeded: number }
  | { ready: true };
