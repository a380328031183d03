import type { OutgoingHttpHeaders } from 'node:http';
import type { LakeCall, LakeContext, LakeExchange, LakeRequest, LakeResponse } from './context.ts';
import { apiError, dataError, LakeError, messageOf } from './errors.ts';
import { checkJsonNesting } from './query-limits.ts';

// The lake's HTTP helpers: request headers and bodies in, JSON and errors out, each answer with the CORS headers
// its request was given. Routing is elsewhere (router.ts, routes.ts); these know nothing of paths.

/** Default body limit: 10 MiB, larger bodies answer 413. */
export const DEFAULT_BODY_LIMIT = 10 * 1024 * 1024;

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
export function checkOrigin(ctx: LakeContext, req: LakeRequest, method: string): void {
  const origin = headerValue(req.headers.origin);
  if (origin === undefined) {
    corsByRequest.set(req, { 'access-control-allow-origin': '*' });
  } else if (ctx.corsOrigins.has(origin)) {
    corsByRequest.set(req, {
      'access-control-allow-origin': origin,
      'access-control-allow-credentials': 'true',
      vary: 'Origin',
    });
  } else {
    corsByRequest.set(req, { vary: 'Origin' });
    if ((method !== 'GET' && method !== 'HEAD') || req.headers.authorization !== undefined) {
      throw apiError(
        403,
        `CORS origin not allowed: ${origin.slice(0, 100)} may not send tokens or writes to this API; to allow it, start the lake with --cors-origin ${origin.slice(0, 100)} (or LAKE_CORS_ORIGINS)`,
      );
    }
  }
}

/** Writes a JSON response and returns its status. */
export function sendJson(req: LakeRequest, res: LakeResponse, status: number, body: unknown): number {
  return sendJsonText(req, res, status, JSON.stringify(body));
}

/** Writes a response whose JSON is already serialized, and returns its status. */
export function sendJsonText(
  req: LakeRequest,
  res: LakeResponse,
  status: number,
  text: string,
  headers: OutgoingHttpHeaders = {},
): number {
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
      reject(
        dataError(
          413,
          'httpPayloadTooLarge',
          `Request body too large: the lake accepts at most ${limit} bytes${Number.isFinite(declared) ? `, received ${declared}` : ''}`,
        ),
      );
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
  if (text.trim() === '')
    throw dataError(400, 'httpInvalidRequestBody', 'Request body is empty: expected a JSON object', {
      body: '',
      bodyTruncated: false,
    });
  checkJsonNesting(text, 'Request body');
  try {
    return JSON.parse(text);
  } catch (error) {
    throw dataError(400, 'httpInvalidRequestBody', `Request body is not valid JSON: ${messageOf(error)}`, {
      body: text.slice(0, 1000),
      bodyTruncated: text.length > 1000,
    });
  }
}

/**
 * Answers a thrown error and returns its status: a `LakeError` with its own status, body and headers; anything else
 * 500 `internalError`, logged with its stack. A response already under way (a stream) is ended instead.
 */
export function sendError(exchange: LakeExchange, error: unknown): number {
  const { ctx, req, res, method, url } = exchange;
  let status: number;
  if (error instanceof LakeError) {
    status = error.status;
  } else {
    status = 500;
    ctx.log(
      `lake: internal error on ${method} ${url.pathname}: ${error instanceof Error ? (error.stack ?? error.message) : messageOf(error)}`,
    );
  }
  const body =
    error instanceof LakeError
      ? error.body
      : { error: { description: `Internal server error: ${messageOf(error)}`, type: 'internalError' } };
  if (res.headersSent) res.end();
  else sendJsonText(req, res, status, JSON.stringify(body), error instanceof LakeError ? error.headers : {});
  return status;
}
