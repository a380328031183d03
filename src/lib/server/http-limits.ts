import {
  createServer,
  type IncomingMessage,
  type RequestListener,
  type Server,
  type ServerOptions,
  type ServerResponse,
} from 'node:http';

/** How long a client may take, so that idle or trickling connections cannot pile up (see `limitedServer`). */
export interface HttpLimits {
  /** The whole request, headers and body, must arrive within this. */
  requestMs: number;
  /** The request head must arrive within this; `requestMs` when absent. */
  headersMs?: number;
  /** A connection on which nothing moves for this long is closed (a socket that never sends anything, a stalled reader). */
  idleMs: number;
  /** An idle keep-alive connection is closed after this. */
  keepAliveMs: number;
}

/** Limits for servers that receive only page requests and small webhook bodies. */
export const HTTP_LIMITS: HttpLimits = { requestMs: 10_000, idleMs: 30_000, keepAliveMs: 5_000 };

/** The options of `http.createServer` (and `http2.createSecureServer`) that enforce `limits`' request deadlines. */
export function timeoutOptions(
  limits: HttpLimits,
): Pick<ServerOptions, 'requestTimeout' | 'headersTimeout' | 'keepAliveTimeout' | 'connectionsCheckingInterval'> {
  const headersMs = limits.headersMs ?? limits.requestMs;
  return {
    // Node refuses a header timeout longer than the request timeout.
    requestTimeout: Math.max(limits.requestMs, headersMs),
    headersTimeout: headersMs,
    keepAliveTimeout: limits.keepAliveMs,
    // Node checks the request and header deadlines on this interval (30 s by default): often enough to honour them.
    connectionsCheckingInterval: Math.max(100, Math.min(1_000, Math.floor(headersMs / 4))),
  };
}

/**
 * An HTTP server whose connections are bounded in time: headers and body within `requestMs` (a slow-loris request
 * is cut off), nothing moving for `idleMs` closes the socket, keep-alive lasts `keepAliveMs`.
 */
export function limitedServer(
  handler: RequestListener<typeof IncomingMessage, typeof ServerResponse>,
  limits: HttpLimits = HTTP_LIMITS,
): Server {
  const server = createServer(timeoutOptions(limits), handler);
  // Without a 'timeout' listener, Node destroys a socket idle for this long.
  server.setTimeout(limits.idleMs);
  return server;
}
