import { parseArgs } from 'node:util';
import { z } from 'zod';
import { corsOriginsFrom, isLoopbackBind } from './origins.ts';
import type { LakeOptions } from './server.ts';
import type { Role } from './auth.ts';
import { parseJson, ROLES, short, tokensFrom } from './tokens.ts';

/** Port the CLI listens on when neither `--port` nor `LAKE_PORT` says otherwise. */
export const DEFAULT_PORT = 3333;
/** Data file the CLI uses when neither `--data` nor `LAKE_DATA` says otherwise. */
export const DEFAULT_DATA_FILE = '.lake/data.ndjson';

/** `npm run lake -- --help`. */
export const LAKE_HELP = `Usage: node scripts/lake.ts [--port ${DEFAULT_PORT}] [--host 127.0.0.1] [--data ${DEFAULT_DATA_FILE}] [--cors-origin <origin>] [--token <role>] [--help]

Runs a local Sanity-compatible HTTP API ("the lake") for development and tests: query, doc, mutate, actions,
listen and export, asset uploads and image URLs with Sanity's transform parameters, and what the Sanity Studio
needs besides (users/me, dataset ACL, preferences). For the Studio, \`npm run newsroom\` runs it over HTTPS + HTTP/2.
Point @sanity/client at it:
  createClient({projectId: 'local', dataset: 'production', apiVersion: '2025-02-19',
                apiHost: '<printed url>', useProjectHostname: false, useCdn: false, token})

Options (flags win over environment variables):
  --port, LAKE_PORT        TCP port, 0 picks a free one (default ${DEFAULT_PORT})
  --host, LAKE_HOST        interface to bind (default 127.0.0.1); any other than loopback needs LAKE_TOKENS
  --data, LAKE_DATA        NDJSON file of the "production" dataset; a Sanity export's data.ndjson loads as is.
                           Other datasets live beside it: data.ndjson -> data.<dataset>.ndjson (default ${DEFAULT_DATA_FILE})
  --cors-origin, LAKE_CORS_ORIGINS
                           browser origins allowed to call the API with a token, comma-separated (the flag may
                           repeat), e.g. http://localhost:3334; pages from any other origin cannot send tokens or
                           writes and get no CORS headers (Node tools send no Origin and are not affected)
  LAKE_TOKENS              JSON object of accepted bearer tokens, e.g. {"s3cret": {"role": "editor", "name": "CI"}}
                           roles: administrator (datasets too), editor (writes), viewer (reads drafts, no writes)
  LAKE_QUERY_TIMEOUT_MS    time budget of one query; beyond it the lake answers 408 queryTimeout (default 10000)
  LAKE_LISTEN_FILTER_TIMEOUT_MS  time budget of a listener's filter per transaction; beyond it the listener ends (default 1000)
  LAKE_WEBHOOKS            JSON array of webhooks: [{"name": "rebuild", "url": "http://127.0.0.1:8787/hook",
                           "filter": "_type == 'story'", "projection": "{_id, _type, slug}", "secret": "...",
                           "on": ["create", "update", "delete"], "includeDrafts": false, "dataset": "production"}]

Without LAKE_TOKENS the lake makes one random token per role on its first start and keeps them in tokens.json in
the data folder (readable by you only; default .lake/tokens.json); \`npm run newsroom\` prints them. For a tool:
  SANITY_TOKEN=$(npm run -s lake -- --token editor)     # prints the editor's token (administrator, viewer)
Only loopback names (localhost, *.localhost, 127.0.0.1, [::1]) are answered on a loopback bind.
Reading published documents needs no token; drafts, the drafts/raw perspectives and every write need one.

Datasets: "production" always exists (an empty data file is created). Another dataset is created by an
administrator (PUT /v1/datasets/<name>, or a first write into it); an editor writing into a dataset that does not
exist gets 403, and reading it answers 404, as Sanity answers for a missing dataset. Writes are appended to <file>.journal and fsynced before the response; the
NDJSON file is rewritten (sorted by _id) after a second without writes, every 1000 transactions and on exit.`;

/** The CLI's reading of its flags and environment: options for `startLake`, or every problem found. */
export type LakeCliConfig =
  | { kind: 'help' }
  | { kind: 'token'; role: Role; dataFile: string }
  | { kind: 'errors'; errors: string[] }
  | { kind: 'ok'; options: LakeOptions & { port: number; host: string; corsOrigins: string[] } };

/**
 * Reads `--port/--host/--data/--cors-origin/--token` and `LAKE_PORT`, `LAKE_HOST`, `LAKE_DATA`, `LAKE_CORS_ORIGINS`,
 * `LAKE_TOKENS`, `LAKE_WEBHOOKS`, validating
 * each once and reporting every bad value (name, what was received, what was expected), not just the first.
 */
export function lakeConfigFrom(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): LakeCliConfig {
  let values: {
    port?: string | undefined;
    host?: string | undefined;
    data?: string | undefined;
    'cors-origin'?: string[] | undefined;
    token?: string | undefined;
    help?: boolean | undefined;
  };
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        data: { type: 'string' },
        'cors-origin': { type: 'string', multiple: true },
        token: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    return { kind: 'errors', errors: [`${error instanceof Error ? error.message : String(error)} (see --help)`] };
  }
  if (values.help === true) return { kind: 'help' };
  // Beyond loopback the generated tokens are not used: LAKE_TOKENS must be set (unless only a token is asked for).
  const tokensGiven = nonEmpty(env['LAKE_TOKENS']) !== undefined || values.token !== undefined;
  const parsed = lakeSettingsSchema({
    portName: values.port !== undefined ? '--port' : 'LAKE_PORT',
    tokensGiven,
  }).safeParse({
    port: values.port ?? env['LAKE_PORT'],
    dataFile: values.data ?? nonEmpty(env['LAKE_DATA']) ?? DEFAULT_DATA_FILE,
    tokens: env['LAKE_TOKENS'],
    webhooks: env['LAKE_WEBHOOKS'],
    corsOrigins: values['cors-origin'] ?? env['LAKE_CORS_ORIGINS'],
    host: values.host ?? nonEmpty(env['LAKE_HOST']) ?? '127.0.0.1',
    queryTimeoutMs: env['LAKE_QUERY_TIMEOUT_MS'],
    listenFilterTimeoutMs: env['LAKE_LISTEN_FILTER_TIMEOUT_MS'],
  });
  if (!parsed.success) return { kind: 'errors', errors: unknownFieldsFirst(parsed.error.issues).flatMap(lakeProblems) };
  const { port, host, dataFile, webhooks, corsOrigins, tokens, queryTimeoutMs, listenFilterTimeoutMs } = parsed.data;
  if (values.token !== undefined) {
    const role = ROLES.find((candidate) => candidate === values.token);
    if (role === undefined)
      return {
        kind: 'errors',
        errors: [
          `--token: expected a role, "administrator", "editor", "viewer" or "commenter", received ${JSON.stringify(values.token)}`,
        ],
      };
    return { kind: 'token', role, dataFile };
  }
  const budgets = {
    ...(queryTimeoutMs === undefined ? {} : { queryTimeoutMs }),
    ...(listenFilterTimeoutMs === undefined ? {} : { listenFilterTimeoutMs }),
  };
  return {
    kind: 'ok',
    options: { port, host, dataFile, webhooks, corsOrigins, ...budgets, ...(tokens === undefined ? {} : { tokens }) },
  };
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value;
}

/** Adds each of `errors` (messages that name their variable already) to a zod context. */
function report(ctx: z.RefinementCtx, errors: readonly string[]): void {
  for (const message of errors) ctx.addIssue({ code: 'custom', message });
}

/** A setting's value through a check written against an errors list (the lake's token and origin readers). */
function checked<T>(read: (raw: string | undefined, errors: string[]) => T) {
  return z
    .string()
    .optional()
    .transform((raw, ctx) => {
      const errors: string[] = [];
      const value = read(raw, errors);
      report(ctx, errors);
      return value;
    });
}

const milliseconds = (name: string) =>
  checked((raw, errors) => {
    if (raw === undefined || raw.trim() === '') return undefined;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < 1)
      errors.push(`${name}: expected a whole number of milliseconds (at least 1), received "${raw}"`);
    return value;
  });

const TRIGGERS = ['create', 'update', 'delete'] as const;
const isTriggers = (on: unknown): on is (typeof TRIGGERS)[number][] =>
  Array.isArray(on) && on.every((trigger) => TRIGGERS.some((known) => known === trigger));
const aString = z.string({ error: (issue) => `expected a string, received ${short(issue.input)}` }).exactOptional();

/** One of LAKE_WEBHOOKS: messages say what was received; the path (`LAKE_WEBHOOKS[0].url`) is added by lakeProblems. */
const webhookSchema = z.strictObject(
  {
    url: z.string({ error: (issue) => `expected a URL string, received ${short(issue.input)}` }),
    name: aString,
    dataset: aString,
    filter: aString,
    projection: aString,
    secret: aString,
    on: z
      .custom<(typeof TRIGGERS)[number][]>(isTriggers, {
        error: (issue) => `expected an array of "create", "update", "delete", received ${short(issue.input)}`,
      })
      .exactOptional(),
    includeDrafts: z
      .boolean({ error: (issue) => `expected true or false, received ${short(issue.input)}` })
      .exactOptional(),
  },
  {
    error: (issue) =>
      issue.code === 'invalid_type'
        ? `expected an object with at least "url", received ${short(issue.input)}`
        : undefined,
  },
);

/** LAKE_WEBHOOKS: a JSON array of webhooks, absent or blank for none. */
const webhooksSchema = z
  .string()
  .optional()
  .transform((raw, ctx) => {
    if (raw === undefined || raw.trim() === '') return [];
    const errors: string[] = [];
    const value = parseJson('LAKE_WEBHOOKS', raw, errors);
    report(ctx, errors);
    return errors.length > 0 ? [] : value;
  })
  .pipe(
    z.array(webhookSchema, {
      error: (issue) => `LAKE_WEBHOOKS: expected a JSON array of webhooks, received ${short(issue.input)}`,
    }),
  );

/**
 * The lake's settings once flags have won over the environment, in the order their problems are reported. Each
 * message names the flag or variable it is about (`--port` or `LAKE_PORT`), so the schema is made per reading.
 */
function lakeSettingsSchema({ portName, tokensGiven }: { portName: string; tokensGiven: boolean }) {
  return z.object({
    port: checked((raw, errors) => {
      if (raw === undefined || raw.trim() === '') return DEFAULT_PORT;
      const port = Number(raw);
      if (Number.isInteger(port) && port >= 0 && port <= 65535) return port;
      errors.push(`${portName}: expected a port number from 0 to 65535, received "${raw}"`);
      return DEFAULT_PORT;
    }),
    dataFile: z
      .string()
      .refine((file) => file.trim() !== '', { error: '--data: expected a file path, received an empty string' }),
    tokens: checked((raw, errors) =>
      raw === undefined || raw.trim() === ''
        ? undefined
        : tokensFrom('LAKE_TOKENS', parseJson('LAKE_TOKENS', raw, errors), errors),
    ),
    webhooks: webhooksSchema,
    corsOrigins: z
      .union([z.string(), z.array(z.string())])
      .optional()
      .transform((raw, ctx) => {
        const errors: string[] = [];
        const origins = Array.isArray(raw)
          ? raw.flatMap((one) => corsOriginsFrom('--cors-origin', one, errors))
          : corsOriginsFrom('LAKE_CORS_ORIGINS', raw, errors);
        report(ctx, errors);
        return origins;
      }),
    host: z.string().refine((host) => isLoopbackBind(host) || tokensGiven, {
      error: (issue) =>
        `--host ${String(issue.input)}: binding beyond loopback exposes the API to the network, so the generated tokens are not used there; set LAKE_TOKENS to tokens of your own (e.g. LAKE_TOKENS='{"<a long random string>": {"role": "editor"}}'), or bind 127.0.0.1`,
    }),
    queryTimeoutMs: milliseconds('LAKE_QUERY_TIMEOUT_MS'),
    listenFilterTimeoutMs: milliseconds('LAKE_LISTEN_FILTER_TIMEOUT_MS'),
  });
}

/** The issues in zod's order, except that a webhook's unknown fields come before its bad values, as they always did. */
function unknownFieldsFirst(issues: readonly z.core.$ZodIssue[]): z.core.$ZodIssue[] {
  const webhook = (issue: z.core.$ZodIssue | undefined) =>
    issue?.path[0] === 'webhooks' && typeof issue.path[1] === 'number' ? issue.path[1] : undefined;
  const ordered: z.core.$ZodIssue[] = [];
  for (const issue of issues) {
    const index = webhook(issue);
    let at = ordered.length;
    // A webhook's issues are next to each other: its unknown fields go before the first of them.
    if (index !== undefined && issue.code === 'unrecognized_keys')
      while (at > 0 && webhook(ordered[at - 1]) === index) at -= 1;
    ordered.splice(at, 0, issue);
  }
  return ordered;
}

/** A schema issue as the lines the CLI prints: a webhook's issues get their place (`LAKE_WEBHOOKS[0].url: ...`). */
function lakeProblems(issue: z.core.$ZodIssue): string[] {
  const [field, index, key] = issue.path;
  if (field !== 'webhooks' || typeof index !== 'number') return [issue.message];
  const at = `LAKE_WEBHOOKS[${index}]`;
  if (issue.code === 'unrecognized_keys')
    return issue.keys.map((unknown) => `${at}.${unknown}: unknown field (expected ${WEBHOOK_FIELDS.join(', ')})`);
  return [`${at}${key === undefined ? '' : `.${String(key)}`}: ${issue.message}`];
}

const WEBHOOK_FIELDS = ['name', 'url', 'dataset', 'filter', 'projection', 'secret', 'on', 'includeDrafts'];
