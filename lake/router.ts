import type { LakeCall, LakeExchange } from './context.ts';
import { apiError } from './errors.ts';

// How routes are written and matched; the lake's routes themselves are in routes.ts.
//
// A path pattern is a list of segments: a literal matches itself, `:name` matches any one segment and hands it to
// the handler as `params.name`, `*` matches any one segment, and `**` (last only) matches the rest, none included.
// Routes are tried in the table's order and the first whose method and pattern match answers.

/** Methods a route answers: a list, or `ANY`. */
export type Methods = readonly string[] | typeof ANY;

/** Any method. */
export const ANY = '*';

/** What a handler returns: the status it answered with (for the log line). */
export type Answer = number | Promise<number>;

/** The names of a pattern's `:name` segments. */
type ParamNames<Path extends string> = Path extends `${string}:${infer Name}/${infer Rest}`
  ? Name | ParamNames<`/${Rest}`>
  : Path extends `${string}:${infer Name}`
    ? Name
    : never;

/** The segments a pattern's `:name` parts matched, by name. */
export type Params<Name extends string = string> = Readonly<Record<Name, string>>;

/** One row of the route table. */
export type Route =
  | { kind: 'api'; methods: Methods; pattern: readonly string[]; handler: (call: LakeCall, params: Params) => Answer }
  | {
      kind: 'plain';
      methods: Methods;
      pattern: readonly string[];
      handler: (exchange: LakeExchange, params: Params) => Answer;
    };

/** A route of the versioned API: `path` is what follows `/v<apiVersion>`, and the handler is told who called. */
export function api<Path extends string>(
  methods: Methods,
  path: Path,
  handler: (call: LakeCall, params: Params<ParamNames<Path>>) => Answer,
): Route {
  // The matcher hands over exactly the names the pattern declares, which is what the handler's type asks for.
  return {
    kind: 'api',
    methods,
    pattern: patternOf(path),
    handler: handler,
  };
}

/** A route outside the versioned API (asset files, `/`): no caller is worked out, and a token is not looked at. */
export function plain<Path extends string>(
  methods: Methods,
  path: Path,
  handler: (exchange: LakeExchange, params: Params<ParamNames<Path>>) => Answer,
): Route {
  return {
    kind: 'plain',
    methods,
    pattern: patternOf(path),
    handler: handler,
  };
}

function patternOf(path: string): string[] {
  return path.split('/').filter((segment) => segment !== '');
}

/**
 * The first route of `kind` that answers `method` on `segments`, with the raw segments its `:name` parts matched
 * (the caller decodes them); undefined when none does.
 */
export function findRoute<Kind extends Route['kind']>(
  routes: readonly Route[],
  kind: Kind,
  method: string,
  segments: readonly string[],
): { route: Extract<Route, { kind: Kind }>; params: Map<string, string> } | undefined {
  for (const route of routes) {
    if (route.kind !== kind || (route.methods !== ANY && !route.methods.includes(method))) continue;
    const params = matchPattern(route.pattern, segments);
    if (params !== undefined) return { route: route as Extract<Route, { kind: Kind }>, params };
  }
  return undefined;
}

function matchPattern(pattern: readonly string[], segments: readonly string[]): Map<string, string> | undefined {
  const params = new Map<string, string>();
  for (const [index, part] of pattern.entries()) {
    if (part === '**') return params;
    const segment = segments[index];
    if (segment === undefined) return undefined;
    if (part.startsWith(':')) params.set(part.slice(1), segment);
    else if (part !== '*' && part !== segment) return undefined;
  }
  return segments.length === pattern.length ? params : undefined;
}

/** A handler that answers 405, naming the path and what to `use` instead (e.g. `GET or POST`). */
export function methodNotAllowed(use: string): (call: LakeCall) => never {
  return (call) => {
    throw apiError(405, `Method ${call.method} not allowed on /${call.segments.join('/')}: use ${use}`);
  };
}

/** A handler that answers as `handler` does at the path without its first `depth` segments (one endpoint under two paths). */
export function under<Name extends string>(
  depth: number,
  handler: (call: LakeCall, params: Params<Name>) => Answer,
): (call: LakeCall, params: Params<Name>) => Answer {
  return (call, params) => handler({ ...call, segments: call.segments.slice(depth) }, params);
}
