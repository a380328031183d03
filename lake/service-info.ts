import type { LakeCall, LakeExchange } from './context.ts';
import { apiError } from './errors.ts';
import { sendJson } from './http.ts';

// What the lake answers about itself: what it is (at `/`), and where to look when a path is not one of its routes.

/** `/`: what this server is and how to point `@sanity/client` at it. */
export function describeService({ req, res }: LakeExchange): number {
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
