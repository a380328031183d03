import type { IncomingHttpHeaders } from 'node:http';
import { callerFrom } from './auth.ts';
import type { LakeCall, LakeContext, LakeExchange, LakeRequest, LakeResponse } from './context.ts';
import { apiError, dataError } from './errors.ts';
import { checkOrigin, corsHeaders, headerValue, sendError } from './http.ts';
import { isLoopbackHostHeader } from './origins.ts';
import { findRoute, type Answer } from './router.ts';
import { ROUTES } from './routes.ts';

/** An API version as the first path segment: `v1`, `vX` or `v<YYYY-MM-DD>`. */
const API_VERSION = /^v(1|X|\d{4}-\d{2}-\d{2})$/;

/** The lake's HTTP request handler, usable with `http.createServer` and `http2.createSecureServer({allowHTTP1: true})`. */
export function createLakeHandler(ctx: LakeContext): (req: LakeRequest, res: LakeResponse) => void {
  return (req, res) => {
    void handle(ctx, req, res);
  };
}

/** One request from start to log line: host and origin checks, the preflight, the route's answer or the error's. */
async function handle(ctx: LakeContext, req: LakeRequest, res: LakeResponse): Promise<void> {
  const started = performance.now();
  const exchange: LakeExchange = {
    ctx,
    req,
    res,
    method: (req.method ?? 'GET').toUpperCase(),
    url: new URL(req.url ?? '/', 'http://lake.invalid'),
  };
  const { method, url } = exchange;
  let status: number;
  try {
    checkHost(ctx, req);
    checkOrigin(ctx, req, method);
    if (method === 'OPTIONS') {
      status = 204;
      res.writeHead(204, {
        ...corsHeaders(req),
        'access-control-allow-methods': 'GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS',
        'access-control-allow-headers': String(
          req.headers['access-control-request-headers'] ?? 'authorization, content-type',
        ),
        'access-control-max-age': '600',
      });
      res.end();
    } else {
      status = await dispatch(exchange);
    }
  } catch (error) {
    status = sendError(exchange, error);
  }
  ctx.log(
    `${method} ${url.pathname}${url.search.length > 200 ? `${url.search.slice(0, 200)}…` : url.search} ${status} ${Math.round(performance.now() - started)}ms`,
  );
}

/**
 * Hands the request to its route in `ROUTES`. A path under `/v<apiVersion>` is a call: its segments are decoded and
 * its caller identified (an unknown token answers 401) before an API route is looked for; any other path is matched
 * against the plain routes, whose `:name` segments alone are decoded.
 */
function dispatch(exchange: LakeExchange): Answer {
  const { ctx, req, method, url } = exchange;
  const parts = url.pathname.split('/').filter((part) => part !== '');
  const version = API_VERSION.exec(parts[0] ?? '')?.[1];
  if (version === undefined) {
    const found = findRoute(ROUTES, 'plain', method, parts);
    if (found === undefined) throw new Error(`the route table has no plain route for ${method} ${url.pathname}`);
    return found.route.handler(
      exchange,
      Object.fromEntries([...found.params].map(([name, raw]) => [name, decodeSegment(raw)])),
    );
  }
  const call: LakeCall = {
    ...exchange,
    apiVersion: version,
    segments: parts.slice(1).map(decodeSegment),
    search: url.searchParams,
    caller: callerFrom(req.headers, ctx.tokens),
    projectId: headerValue(req.headers['x-sanity-project-id']) ?? projectFromHost(req.headers) ?? 'local',
  };
  const found = findRoute(ROUTES, 'api', method, call.segments);
  if (found === undefined) throw new Error(`the route table has no API route for ${method} ${url.pathname}`);
  return found.route.handler(call, Object.fromEntries(found.params));
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

/** On a loopback bind, refuses a Host that is not a loopback name: a DNS-rebinding page sends its own domain. */
function checkHost(ctx: LakeContext, req: LakeRequest): void {
  if (!ctx.loopbackHostsOnly) return;
  const host = headerValue(req.headers[':authority']) ?? headerValue(req.headers.host);
  // Browsers always send a Host; a client without one is not a web page.
  if (host === undefined || isLoopbackHostHeader(host)) return;
  throw apiError(
    403,
    `Host "${host.slice(0, 100)}" not allowed: this lake listens on loopback and answers localhost, *.localhost, 127.0.0.1 and [::1] only (to serve other names, bind another interface with LAKE_TOKENS set)`,
  );
}
