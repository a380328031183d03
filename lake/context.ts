import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';
import type { Caller, TokenGrant } from './auth.ts';
import type { Datasets } from './datasets.ts';
import type { ImageLimits } from './image-transform.ts';
import type { KeyValueStore } from './key-values.ts';
import type { ListenHub } from './listen.ts';
import type { QueryPool } from './query-pool.ts';
import type { TransactionParty } from './transaction.ts';
import type { WebhookDispatcher } from './webhooks.ts';

// What a request handler is given: the running lake's parts, the request and its response, and, on the versioned
// API, who called. Types only (and the one function that reads a call as a transaction's party), so that every
// handler module can name them without importing another handler module.

/**
 * The part of `http.IncomingMessage` and `http2.Http2ServerRequest` the lake uses, so one handler serves both
 * `node:http` and `node:http2`'s compatibility API (`createSecureServer({allowHTTP1: true})`).
 */
export interface LakeRequest {
  readonly method?: string | undefined;
  readonly url?: string | undefined;
  readonly headers: IncomingHttpHeaders;
  on(event: 'data', listener: (chunk: Buffer) => void): unknown;
  on(event: 'end', listener: () => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
}

/** The part of `http.ServerResponse` and `http2.Http2ServerResponse` the lake uses (no HTTP/1-only headers). */
export interface LakeResponse {
  readonly headersSent: boolean;
  writeHead(status: number, headers?: OutgoingHttpHeaders): unknown;
  write(chunk: string): boolean;
  end(): unknown;
  end(chunk: string | Uint8Array): unknown;
  on(event: 'close', listener: () => void): unknown;
  once(event: 'drain' | 'close', listener: () => void): unknown;
  off(event: 'drain' | 'close', listener: () => void): unknown;
}

/** Everything a request handler needs from the running lake. */
export interface LakeContext {
  datasets: Datasets;
  tokens: Readonly<Record<string, TokenGrant>>;
  hub: ListenHub;
  webhooks: WebhookDispatcher;
  log: (line: string) => void;
  /** Interval of the comment lines that keep idle listen streams open. */
  heartbeatMs: number;
  /** Largest accepted request body, in bytes. */
  bodyLimit: number;
  /** Base URL written into asset documents' `url`; from the request's Host header when unset. */
  publicUrl: string | undefined;
  /** Per-user Studio preferences (`/users/me/keyvalue`). */
  keyValues: KeyValueStore;
  /** Browser origins answered with CORS and allowed to send tokens and writes (e.g. the Studio's `http://localhost:3334`). */
  corsOrigins: Set<string>;
  /** On a loopback bind: refuse requests whose Host is not a loopback name (DNS rebinding). */
  loopbackHostsOnly: boolean;
  /** Worker threads that run queries and listener filters within a time budget. */
  queries: QueryPool;
  /** Bounds on image transforms (pixels, time, how many at once). */
  images: ImageLimits;
}

/** One request and its response, before anything about the caller is known: what every route's handler gets. */
export interface LakeExchange {
  ctx: LakeContext;
  req: LakeRequest;
  res: LakeResponse;
  /** Upper-case, `GET` when the request has none. */
  method: string;
  url: URL;
}

/** One request to the versioned API (`/v<apiVersion>/...`), parsed: who sent it, to which API version, on which path. */
export interface LakeCall extends LakeExchange {
  apiVersion: string;
  /** Path segments after `/v<apiVersion>`, percent-decoded. */
  segments: string[];
  search: URLSearchParams;
  caller: Caller;
  /**
   * From `X-Sanity-Project-ID` (what the client sends with `useProjectHostname: false`), else from a
   * `<projectId>.localhost` host name (what the Studio calls with `apiHost`), else `local`.
   */
  projectId: string;
}

/** A call as the party of the transaction it runs: its project, its caller, and the listeners and webhooks to tell. */
export function transactionPartyOf(call: LakeCall): TransactionParty {
  return {
    projectId: call.projectId,
    identity: call.caller.identity,
    announce(committed) {
      call.ctx.hub.publish(committed);
      call.ctx.webhooks.dispatch(committed);
    },
  };
}
