import type { LakeCall, LakeExchange } from './context.ts';
import { apiError } from './errors.ts';
import { corsHeaders, headerValue, sendJson } from './http.ts';

// What the lake answers about itself: what it is (at `/`), and where to look when a path is not one of its routes.

/**
 * `/`: what this server is and how to point `@sanity/client` at it. A browser (asking for HTML) gets a page instead:
 * an editor lands here to accept the development certificate, and the page links back to the Studio.
 */
export function describeService({ ctx, req, res }: LakeExchange): number {
  if (headerValue(req.headers.accept)?.includes('text/html') === true) {
    const links = [...ctx.corsOrigins]
      .map((origin) => `<li><a href="${escapeHtml(origin)}/">${escapeHtml(origin)}/</a></li>`)
      .join('');
    const html =
      `<!doctype html><html lang="en"><meta charset="utf-8"><title>Newsroom API</title>` +
      `<body style="max-width:40rem;margin:10vh auto;padding:0 1.5rem;font:16px/1.5 system-ui,sans-serif">` +
      `<h1 style="font-size:1.5rem">The newsroom's API is reachable</h1>` +
      `<p>This browser now accepts the API's certificate. Go back to the Studio's tab: it opens by itself.</p>` +
      (links === '' ? '' : `<p>The Studio:</p><ul>${links}</ul>`) +
      `</body></html>\n`;
    res.writeHead(200, {
      ...corsHeaders(req),
      'content-type': 'text/html; charset=utf-8',
      'content-length': String(Buffer.byteLength(html)),
      'cache-control': 'no-store',
      'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'",
      'x-content-type-options': 'nosniff',
    });
    res.end(html);
    return 200;
  }
  return sendJson(req, res, 200, {
    service: 'lake',
    description: 'Local Sanity-compatible HTTP API',
    usage: 'createClient({apiHost: <this url>, useProjectHostname: false, apiVersion: "2025-02-19", ...})',
  });
}

/** Any other path without an API version: 404, saying that paths start with one. */
export function noApiVersion({ method, url }: LakeExchange): never {
  throw apiError(
    404,
    `No route for ${method} ${url.pathname}: paths start with an API version, e.g. /v2025-02-19/data/query/production`,
  );
}

/** An API path that no route serves: 404, listing what the lake serves. */
export function noRoute({ method, url }: LakeCall): never {
  throw apiError(
    404,
    `No route for ${method} ${url.pathname}: the lake serves /data/{query,doc,mutate,actions,listen,export}/:dataset, /assets/{images,files}/:dataset, /datasets, /projects/:id[/datasets[/:name/acl]] and /users/me`,
  );
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}
