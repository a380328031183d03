import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';
import { callerFrom, type Caller, type TokenGrant } from './auth.ts';
import type { Datasets } from './datasets.ts';
import { apiError, dataError, LakeError, messageOf } from './errors.ts';
import { routeAssets, serveAsset } from './assets.ts';
import { checkJsonNesting } from './query-limits.ts';
import { routeData, routeDatasets } from './endpoints.ts';
import { isLoopbackHostHeader } from './origins.ts';
import { routeEmpty, routeProject, routeUsers, type KeyValueStore } from './studio-api.ts';
import type { ImageLimits } from './image-transform.ts';
import type { ListenHub } from './listen.ts';
import type { QueryPool } from './query-pool.ts';
import type { WebhookDispatcher } from './webhooks.ts';

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

/** One request, parsed: who sent it, to which API version, with which search parameters. */
export interface LakeCall {
  ctx: LakeContext;
  req: LakeRequest;
  res: LakeResponse;
  method: string;
  apiVersion: string;
  /** Path segments after `/v<apiVersion>`. */
  segments: string[];
  search: URLSearchParams;
  caller: Caller;
  /**
   * From `X-Sanity-Project-ID` (what the client sends with `useProjectHostname: false`), else from a
   * `<projectId>.localhost` host name (what the Studio calls with `apiHost`), else `local`.
   */
  projectId: string;
}

/** Default body limit: 10 MiB, larger bodies answer 413. */
export const DEFAULT_BODY_LIMIT = 10 * 1024 * 1024;

/** The lake's HTTP request handler, usable with `http.createServer` and `http2.createSecureServer({allowHTTP1: true})`. */
export function createLakeHandler(ctx: LakeContext): (req: LakeRequest, res: LakeResponse) => void {
  return (req, res) => {
    void handle(ctx, req, res);
  };
}

async function handle(ctx: LakeContext, req: LakeRequest, res: LakeResponse): Promise<void> {
  const started = performance.now();
  const method = (req.method ?? 'GET').toUpperCase();
  const url = new URL(req.url ?? '/', 'http://lake.invalid');
  let status: number;
  try {
    checkHost(ctx, req);
    checkOrigin(ctx, req, method);
    if (method === 'OPTIONS') {
      status = 204;
      res.writeHead(204, { ...corsHeaders(req), 'access-control-allow-methods': 'GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS', 'access-control-allow-headers': String(req.headers['access-control-request-headers'] ?? 'authorization, content-type'), 'access-control-max-age': '600' });
      res.end();
    } else {
      status = await route(ctx, req, res, method, url);
    }
  } catch (error) {
    if (error instanceof LakeError) {
      status = error.status;
    } else {
      status = 500;
      ctx.log(`lake: internal error on ${method} ${url.pathname}: ${error instanceof Error ? (error.stack ?? error.message) : messageOf(error)}`);
    }
    const body = error instanceof LakeError ? error.body : { error: { description: `Internal server error: ${messageOf(error)}`, type: 'internalError' } };
    if (res.headersSent) res.end();
    else sendJsonText(req, res, status, JSON.stringify(body), error instanceof LakeError ? error.headers : {});
  }
  ctx.log(`${method} ${url.pathname}${url.search.length > 200 ? `${url.search.slice(0, 200)}…` : url.search} ${status} ${Math.round(performance.now() - started)}ms`);
}

async function route(ctx: LakeContext, req: LakeRequest, res: LakeResponse, method: string, url: URL): Promise<number> {
  const parts = url.pathname.split('/').filter((part) => part !== '');
  // Asset files are served like Sanity's CDN: /images/:projectId/:dataset/:file, /files/:projectId/:dataset/:file.
  if ((parts[0] === 'images' || parts[0] === 'files') && parts.length === 4 && (method === 'GET' || method === 'HEAD')) {
    return serveAsset(ctx, req, res, parts[0], parts.slice(2).map(decodeSegment) as [string, string], url.searchParams);
  }
  const version = /^v(1|X|\d{4}-\d{2}-\d{2})$/.exec(parts[0] ?? '');
  if (version?.[1] === undefined) {
    if (parts.length === 0) {
      return sendJson(req, res, 200, { service: 'lake', description: 'Local Sanity-compatible HTTP API', usage: 'createClient({apiHost: <this url>, useProjectHostname: false, apiVersion: "2025-02-19", ...})' });
    }
    throw apiError(404, `No route for ${method} ${url.pathname}: paths start with an API version, e.g. /v2025-02-19/data/query/production`);
  }
  const call: LakeCall = {
    ctx,
    req,
    res,
    method,
    apiVersion: version[1],
    segments: parts.slice(1).map(decodeSegment),
    search: url.searchParams,
    caller: callerFrom(req.headers, ctx.tokens),
    projectId: headerValue(req.headers['x-sanity-project-id']) ?? projectFromHost(req.headers) ?? 'local',
  };
  const [area] = call.segments;
  const empty = routeEmpty(call);
  if (empty !== undefined) return empty;
  if (area === 'data') return routeData(call);
  if (area === 'assets') return routeAssets(call);
  if (area === 'datasets') return routeDatasets(call);
  if (area === 'projects') {
    const answered = routeProject(call);
    if (answered !== undefined) return answered;
    // With useProjectHostname: false the client lists datasets under /projects/:projectId/datasets.
    if (call.segments[2] === 'datasets') return routeDatasets({ ...call, segments: call.segments.slice(2) });
  }
  if (area === 'users') return routeUsers(call);
  throw apiError(404, `No route for ${method} ${url.pathname}: the lake serves /data/{query,doc,mutate,actions,listen,export}/:dataset, /assets/{images,files}/:dataset, /datasets, /projects/:id[/datasets[/:name/acl]] and /users/me`);
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw dataError(400, 'httpBadRequest', `Malformed percent-encoding in path segment "${segment.slice(0, 80)}"`);
  }
}

/** The project id in a `<projectId>.localhost[:port]` host name (HTTP/1 `Host` or HTTP/2 `:authority`). */
function projectFromHost(headers: IncomingHttpHeaders): string | undefined {
  const host = headerValue(headers.host) ?? headerValue(headers[':authority']);
  return host === undefined ? undefined : /^([a-z0-9][a-z0-9-]*)\.localhost(?::\d+)?$/i.exec(host)?.[1]?.toLowerCase();
}

/** The first value of a request header, or undefined when absent or empty. */
export function headerValue(value: string | string[] | undefined): string | undefined {
  const first = Array.isArray(value) ? value[0] : value;
  return first === undefined || first === '' ? undefined : first;
}

/** The CORS headers decided for each request by `checkOrigin`, which every response of that request carries. */
const corsByRequest = new WeakMap<LakeRequest, OutgoingHttpHeaders>();

/** CORS headers for a response, as `checkOrigin` decided them for its request (none for an origin not allowed). */
export function corsHeaders(req: LakeRequest): OutgoingHttpHeaders {
  return corsByRequest.get(req) ?? { vary: 'Origin' };
}

/**
 * Decides a request's CORS answer before it is routed, as hosted Sanity does: without an Origin (Node clients,
 * navigations) `*` and no credentials; a listed origin is echoed and may send credentials; any other origin, `null`
 * included, gets no CORS headers, and 403 if it sends a token, a preflight or anything but GET and HEAD.
 */
function checkOrigin(ctx: LakeContext, req: LakeRequest, method: string): void {
  const origin = headerValue(req.headers.origin);
  if (origin === undefined) {
    corsByRequest.set(req, { 'access-control-allow-origin': '*' });
  } else if (ctx.corsOrigins.has(origin)) {
    corsByRequest.set(req, { 'access-control-allow-origin': origin, 'access-control-allow-credentials': 'true', vary: 'Origin' });
  } else {
    corsByRequest.set(req, { vary: 'Origin' });
    if ((method !== 'GET' && method !== 'HEAD') || req.headers.authorization !== undefined) {
      throw apiError(403, `CORS origin not allowed: ${origin.slice(0, 100)} may not send tokens or writes to this API; to allow it, start the lake with --cors-origin ${origin.slice(0, 100)} (or LAKE_CORS_ORIGINS)`);
    }
  }
}

/** On a loopback bind, refuses a Host that is not a loopback name: a DNS-rebinding page sends its own domain. */
function checkHost(ctx: LakeContext, req: LakeRequest): void {
  if (!ctx.loopbackHostsOnly) return;
  const host = headerValue(req.headers[':authority']) ?? headerValue(req.headers.host);
  // Browsers always send a Host; a client without one is not a web page.
  if (host === undefined || isLoopbackHostHeader(host)) return;
  throw apiError(403, `Host "${host.slice(0, 100)}" not allowed: this lake listens on loopback and answers localhost, *.localhost, 127.0.0.1 and [::1] only (to serve other names, bind another interface with LAKE_TOKENS set)`);
}

/** Writes a JSON response and returns its status. */
export function sendJson(req: LakeRequest, res: LakeResponse, status: number, body: unknown): number {
  return sendJsonText(req, res, status, JSON.stringify(body));
}

/** Writes a response whose JSON is already serialized, and returns its status. */
export function sendJsonText(req: LakeRequest, res: LakeResponse, status: number, text: string, headers: OutgoingHttpHeaders = {}): number {
  res.writeHead(status, {
    ...corsHeaders(req),
    ...headers,
    'content-type': 'application/json; charset=utf-8',
    'content-length': String(Buffer.byteLength(text)),
    'cache-control': 'no-store',
  });
  res.end(text);
  return status;
}

/**
 * Reads the request body, at most `limit` bytes: a larger body answers 413 at once, while the rest of it is read and
 * discarded so that the client still receives the answer.
 */
export function readBytes(req: LakeRequest, limit: number): Promise<Buffer> {
  const declared = Number(headerValue(req.headers['content-length']) ?? Number.NaN);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let rejected = false;
    const tooLarge = (): void => {
      rejected = true;
      chunks.length = 0;
      reject(dataError(413, 'httpPayloadTooLarge', `Request body too large: the lake accepts at most ${limit} bytes${Number.isFinite(declared) ? `, received ${declared}` : ''}`));
    };
    if (Number.isFinite(declared) && declared > limit) tooLarge();
    req.on('data', (chunk) => {
      if (rejected) return;
      size += chunk.length;
      if (size > limit) tooLarge();
      else chunks.push(chunk);
    });
    req.on('end', () => {
      if (!rejected) resolve(Buffer.concat(chunks));
    });
    req.on('error', (error) => {
      if (!rejected) reject(dataError(400, 'httpBadRequest', `Could not read the request body: ${error.message}`));
    });
  });
}

/** Reads and parses a JSON body; malformed JSON answers 400 `httpInvalidRequestBody`, quoting the start of the body. */
export async function readJson(call: LakeCall): Promise<unknown> {
  const text = (await readBytes(call.req, call.ctx.bodyLimit)).toString('utf8');
  if (text.trim() === '') throw dataError(400, 'httpInvalidRequestBody', 'Request body is empty: expected a JSON object', { body: '', bodyTruncated: false });
  checkJsonNesting(text, 'Request body');
  try {
    return JSON.parse(text);
  } catch (error) {
    throw dataError(400, 'httpInvalidRequestBody', `Request body is not valid JSON: ${messageOf(error)}`, { body: text.slice(0, 1000), bodyTruncated: text.length > 1000 });
  }
}
