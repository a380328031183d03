import { requireAuthenticated, type Caller, type Role, type TokenGrant } from './auth.ts';
import type { LakeCall } from './context.ts';
import { apiError, dataError } from './errors.ts';
import { corsHeaders, readJson, sendJson } from './http.ts';
import type { Params } from './router.ts';

// The project-level endpoints the Sanity Studio calls beside the data API: who the user is, what the user may do,
// per-user preferences, and the endpoints of hosted features the lake does not have (history events, schedules,
// telemetry, ...), which answer empty at once so that the Studio neither waits nor shows error toasts.

/** The grants `GET /projects/:id/datasets/:dataset/acl` answers per role, as Sanity's built-in roles define them. */
export const ROLE_GRANTS: Readonly<
  Record<Role | 'anonymous', readonly { filter: string; permissions: readonly string[] }[]>
> = {
  administrator: [
    { filter: '_id in path("**")', permissions: ['read', 'create', 'update', 'history', 'editHistory', 'manage'] },
  ],
  editor: [{ filter: '_id in path("**")', permissions: ['read', 'create', 'update', 'history', 'editHistory'] }],
  viewer: [{ filter: '_id in path("**")', permissions: ['read', 'history'] }],
  // The comments endpoint's role: it creates comments, and reads what anonymous callers read.
  commenter: [
    { filter: '_type == "comment" && _id in path("*")', permissions: ['create'] },
    { filter: '_id in path("*")', permissions: ['read'] },
  ],
  // Without a token only published documents (ids without a dot) can be read.
  anonymous: [{ filter: '_id in path("*")', permissions: ['read'] }],
};

const ROLE_TITLES: Readonly<Record<Role, string>> = {
  administrator: 'Administrator',
  editor: 'Editor',
  viewer: 'Viewer',
  commenter: 'Commenter',
};

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

/** `/users/me`: the caller as a user (`{}` for anonymous callers). */
export function currentUser(call: LakeCall): number {
  return sendJson(call.req, call.res, 200, userOf(call.caller));
}

/** `GET /users/me/keyvalue/:keys`: the caller's preferences under comma-separated keys (`null` when unset). */
export function readKeyValues(call: LakeCall, { keys }: Params<'keys'>): number {
  requireAuthenticated(call.caller, 'User settings');
  return sendJson(call.req, call.res, 200, call.ctx.keyValues.get(call.caller.identity, keys.split(',')));
}

/** `PUT /users/me/keyvalue` `[{key, value}]`: sets the caller's preferences. */
export async function writeKeyValues(call: LakeCall): Promise<number> {
  requireAuthenticated(call.caller, 'User settings');
  const body = await readJson(call);
  if (
    !Array.isArray(body) ||
    !body.every(
      (pair): pair is { key: string; value: unknown } =>
        typeof pair === 'object' && pair !== null && typeof (pair as { key?: unknown }).key === 'string',
    )
  ) {
    throw dataError(400, 'httpBadRequest', 'Expected a JSON array of {"key": "<name>", "value": <any JSON>}');
  }
  return sendJson(call.req, call.res, 200, call.ctx.keyValues.set(call.caller.identity, body));
}

/** `/users/me/keyvalue[/...]` otherwise: 401 without a token, else 405 naming the two uses. */
export function otherKeyValueMethod(call: LakeCall): never {
  requireAuthenticated(call.caller, 'User settings');
  throw apiError(
    405,
    `Use GET /users/me/keyvalue/<keys> or PUT /users/me/keyvalue, not ${call.method} /${call.segments.join('/')}`,
  );
}

/** `GET /users/:ids`: the users behind the tokens, by comma-separated id. */
export function usersById(call: LakeCall, { ids }: Params<'ids'>): number {
  requireAuthenticated(call.caller, 'Looking up users');
  const wanted = new Set(ids.split(','));
  return sendJson(
    call.req,
    call.res,
    200,
    knownUsers(call.ctx.tokens).filter((user) => wanted.has(String(user['id']))),
  );
}

/** Any other `/users` path: 404, naming those served. */
export function noUserRoute(call: LakeCall): never {
  throw apiError(
    404,
    `No route for ${call.method} /${call.segments.join('/')}: the lake serves /users/me, /users/me/keyvalue and /users/:ids`,
  );
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

/** `GET /projects/:projectId`: the project, with every token's user as a member (members only, like Sanity). */
export function project(call: LakeCall, { projectId }: Params<'projectId'>): number {
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
    members: knownUsers(call.ctx.tokens).map((user) => ({
      id: user['id'],
      role: user['role'],
      roles: user['roles'],
      isRobot: false,
      isCurrentUser: user['id'] === call.caller.identity,
    })),
  });
}

/** `GET /projects/:id/datasets/:dataset/acl`: the caller's grants, which decide what the Studio lets the user do. */
export function datasetAcl(call: LakeCall): number {
  return sendJson(call.req, call.res, 200, ROLE_GRANTS[call.caller.role ?? 'anonymous']);
}

/** `GET /projects/:projectId/roles`: the lake's three roles. */
export function roles(call: LakeCall, { projectId }: Params<'projectId'>): number {
  return sendJson(
    call.req,
    call.res,
    200,
    (Object.keys(ROLE_TITLES) as Role[]).map((name) => ({
      name,
      title: ROLE_TITLES[name],
      description: `The lake's ${name} role`,
      isCustom: false,
      projectId,
      appliesToUsers: true,
      appliesToRobots: true,
    })),
  );
}

// Endpoints of hosted features the lake does not have, answered empty at once.

/** `GET /projects/:id/user-applications`: none. */
export function noUserApplications(call: LakeCall): number {
  return sendJson(call.req, call.res, 200, []);
}

/** `GET /projects/:id/grants`: none beyond the roles'. */
export function noGrants(call: LakeCall): number {
  return sendJson(call.req, call.res, 200, {});
}

/**
 * `GET /data/history/:dataset/events/...`: no events. Only the Studio's newer history panel asks for them; the
 * newsroom Studio uses the legacy timeline, built from the transactions (history-api.ts).
 */
export function noHistoryEvents({ req, res }: LakeCall): number {
  return sendJson(req, res, 200, { events: {}, nextCursor: '' });
}

/** `/features`: none. */
export function noFeatures({ req, res }: LakeCall): number {
  return sendJson(req, res, 200, []);
}

/** `/schedules/...`: no scheduled publishing. */
export function noSchedules({ req, res }: LakeCall): number {
  return sendJson(req, res, 200, { schedules: [] });
}

/** `/access/project/:id/requests/...` and `/access/requests/me` (a viewer's "ask to edit"): no access requests. */
export function noAccessRequests({ req, res }: LakeCall): number {
  return sendJson(req, res, 200, []);
}

/** `/intake/telemetry-status`: telemetry denied. */
export function telemetryDenied({ req, res }: LakeCall): number {
  return sendJson(req, res, 200, { status: 'denied' });
}

/** `POST /intake/batch`: telemetry taken and dropped. */
export function dropTelemetry({ req, res }: LakeCall): number {
  return sendJson(req, res, 200, {});
}

/**
 * `/ping`: the Studio times this request to tell whether the API speaks HTTP/2 (it warns when it does not); it also
 * asks `/data/ping/:dataset` for a shard header when it reports editing latency, which the lake does not send.
 */
export function ping({ req, res }: LakeCall): number {
  res.writeHead(200, { ...corsHeaders(req), 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' });
  res.end('PONG');
  return 200;
}

/** `/journey/...` (upsell, trial and plan-limit notices): `null`, which the Studio reads as nothing to show. */
export function noJourney({ req, res }: LakeCall): number {
  return sendJson(req, res, 200, null);
}

/** `GET /help` (the help menu's resources and the version check): none, so the menu shows its default links. */
export function noHelpResources({ req, res }: LakeCall): number {
  return sendJson(req, res, 200, {});
}

/** `/auth/providers`: no login providers (tokens only). */
export function noAuthProviders({ req, res }: LakeCall): number {
  return sendJson(req, res, 200, { providers: [], thirdPartyLogin: false, sso: { saml: false } });
}
