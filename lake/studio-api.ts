import { requireAuthenticated, type Caller, type Role, type TokenGrant } from './auth.ts';
import { apiError, dataError } from './errors.ts';
import { corsHeaders, readJson, sendJson, type LakeCall } from './http.ts';

// The project-level endpoints the Sanity Studio calls beside the data API: who the user is, what the user may do,
// per-user preferences, and the endpoints of hosted features the lake does not have (history, schedules,
// telemetry, ...), which answer empty at once so that the Studio neither waits nor shows error toasts.

/** The grants `GET /projects/:id/datasets/:dataset/acl` answers per role, as Sanity's built-in roles define them. */
export const ROLE_GRANTS: Readonly<Record<Role | 'anonymous', readonly { filter: string; permissions: readonly string[] }[]>> = {
  administrator: [{ filter: '_id in path("**")', permissions: ['read', 'create', 'update', 'history', 'editHistory', 'manage'] }],
  editor: [{ filter: '_id in path("**")', permissions: ['read', 'create', 'update', 'history', 'editHistory'] }],
  viewer: [{ filter: '_id in path("**")', permissions: ['read', 'history'] }],
  // Without a token only published documents (ids without a dot) can be read.
  anonymous: [{ filter: '_id in path("*")', permissions: ['read'] }],
};

const ROLE_TITLES: Readonly<Record<Role, string>> = { administrator: 'Administrator', editor: 'Editor', viewer: 'Viewer' };

/** The user object Sanity answers for a token: `id`, `name`, `email`, `role` and `roles` (what the Studio checks). */
export function userOf(caller: Caller): Record<string, unknown> {
  if (caller.role === undefined) return {};
  return {
    id: caller.identity,
    name: caller.name,
    email: `${caller.identity}@lake.local`,
    role: caller.role,
    roles: [{ name: caller.role, title: ROLE_TITLES[caller.role] }],
    provider: 'lake',
  };
}

/** Per-user preferences (`/users/me/keyvalue`), kept in memory: losing them on restart loses nothing but UI state. */
export class KeyValueStore {
  private readonly values = new Map<string, Map<string, unknown>>();

  get(user: string, keys: readonly string[]): { key: string; value: unknown }[] {
    const own = this.values.get(user);
    return keys.map((key) => ({ key, value: own?.get(key) ?? null }));
  }

  set(user: string, pairs: readonly { key: string; value: unknown }[]): { key: string; value: unknown }[] {
    const own = this.values.get(user) ?? new Map<string, unknown>();
    this.values.set(user, own);
    for (const { key, value } of pairs) own.set(key, value);
    return pairs.map(({ key, value }) => ({ key, value }));
  }
}

/** `/users/me`, `/users/me/keyvalue[/keys]` and `/users/:ids`. */
export async function routeUsers(call: LakeCall): Promise<number> {
  const [, who, sub, keys] = call.segments;
  if (who === 'me' && sub === undefined) return sendJson(call.req, call.res, 200, userOf(call.caller));
  if (who === 'me' && sub === 'keyvalue') {
    requireAuthenticated(call.caller, 'User settings');
    if (call.method === 'GET' && keys !== undefined) return sendJson(call.req, call.res, 200, call.ctx.keyValues.get(call.caller.identity, keys.split(',')));
    if (call.method === 'PUT' && keys === undefined) {
      const body = await readJson(call);
      if (!Array.isArray(body) || !body.every((pair): pair is { key: string; value: unknown } => typeof pair === 'object' && pair !== null && typeof (pair as { key?: unknown }).key === 'string')) {
        throw dataError(400, 'httpBadRequest', 'Expected a JSON array of {"key": "<name>", "value": <any JSON>}');
      }
      return sendJson(call.req, call.res, 200, call.ctx.keyValues.set(call.caller.identity, body));
    }
    throw apiError(405, `Use GET /users/me/keyvalue/<keys> or PUT /users/me/keyvalue, not ${call.method} /${call.segments.join('/')}`);
  }
  if (who !== undefined && sub === undefined && call.method === 'GET') {
    requireAuthenticated(call.caller, 'Looking up users');
    const wanted = new Set(who.split(','));
    return sendJson(call.req, call.res, 200, knownUsers(call.ctx.tokens).filter((user) => wanted.has(String(user['id']))));
  }
  throw apiError(404, `No route for ${call.method} /${call.segments.join('/')}: the lake serves /users/me, /users/me/keyvalue and /users/:ids`);
}

/** The users behind the configured tokens. */
function knownUsers(tokens: Readonly<Record<string, TokenGrant>>): Record<string, unknown>[] {
  const seen = new Map<string, Record<string, unknown>>();
  for (const grant of Object.values(tokens)) {
    const name = grant.name ?? grant.role;
    const user = userOf({ role: grant.role, name, identity: `lake-${name.toLowerCase().replace(/[^a-z0-9]+/g, '-')}` });
    seen.set(String(user['id']), { ...user, displayName: name, imageUrl: null, isCurrentUser: false });
  }
  return [...seen.values()];
}

/**
 * `/projects/:id[/...]` besides datasets: the project itself, the dataset ACL (which decides what the Studio lets
 * the user do), roles, and empty answers for hosted features. Returns undefined for paths it does not serve.
 */
export function routeProject(call: LakeCall): number | undefined {
  const [, projectId, area, dataset, sub] = call.segments;
  if (projectId === undefined || call.method !== 'GET') return undefined;
  if (area === undefined) {
    // The member list names every token's user and role: like Sanity, only members see the project.
    requireAuthenticated(call.caller, 'Reading the project');
    return sendJson(call.req, call.res, 200, {
      id: projectId,
      displayName: `Local lake (${projectId})`,
      studioHost: null,
      isBlocked: false,
      isDisabled: false,
      isDisabledByUser: false,
      organizationId: null,
      metadata: { color: null, externalStudioHost: null },
      features: [],
      members: knownUsers(call.ctx.tokens).map((user) => ({ id: user['id'], role: user['role'], roles: user['roles'], isRobot: false, isCurrentUser: user['id'] === call.caller.identity })),
    });
  }
  if (area === 'datasets' && dataset !== undefined && sub === 'acl' && call.segments.length === 5) {
    return sendJson(call.req, call.res, 200, ROLE_GRANTS[call.caller.role ?? 'anonymous']);
  }
  if (area === 'roles' && call.segments.length === 3) {
    return sendJson(
      call.req,
      call.res,
      200,
      (Object.keys(ROLE_TITLES) as Role[]).map((name) => ({ name, title: ROLE_TITLES[name], description: `The lake's ${name} role`, isCustom: false, projectId, appliesToUsers: true, appliesToRobots: true })),
    );
  }
  if ((area === 'user-applications' || area === 'grants') && call.segments.length === 3) return sendJson(call.req, call.res, 200, area === 'grants' ? {} : []);
  return undefined;
}

/**
 * Endpoints of hosted features the lake does not have, answered empty at once. Returns undefined for other paths.
 * History is empty because the lake keeps no transaction log beyond its journal, which compaction empties.
 */
export function routeEmpty(call: LakeCall): number | undefined {
  const { segments, method, req, res } = call;
  const [area, second, third] = segments;
  if (area === 'data' && second === 'history' && method === 'GET') {
    // Paths: /data/history/:dataset/{transactions,documents,events/documents,events/releases}/...
    const kind = segments[3];
    if (kind === 'transactions') {
      // NDJSON, one transaction per line: no lines.
      res.writeHead(200, { ...corsHeaders(req), 'content-type': 'application/x-ndjson; charset=utf-8', 'cache-control': 'no-store' });
      res.end();
      return 200;
    }
    if (kind === 'events') return sendJson(req, res, 200, { events: {}, nextCursor: '' });
    if (kind === 'documents') return sendJson(req, res, 200, { documents: [] });
    return undefined;
  }
  if (area === 'features' && segments.length === 1) return sendJson(req, res, 200, []);
  if (area === 'schedules') return sendJson(req, res, 200, { schedules: [] });
  if (area === 'access' && second === 'project' && segments[3] === 'requests') return sendJson(req, res, 200, []);
  if (area === 'intake' && second === 'telemetry-status') return sendJson(req, res, 200, { status: 'denied' });
  if (area === 'intake' && second === 'batch' && method === 'POST') return sendJson(req, res, 200, {});
  // The Studio times this request to tell whether the API speaks HTTP/2 (it warns when it does not).
  if (area === 'ping' && segments.length === 1) {
    res.writeHead(200, { ...corsHeaders(req), 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' });
    res.end('PONG');
    return 200;
  }
  if (area === 'auth' && second === 'providers' && third === undefined) return sendJson(req, res, 200, { providers: [], thirdPartyLogin: false, sso: { saml: false } });
  return undefined;
}
