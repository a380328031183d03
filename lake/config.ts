import { parseArgs } from 'node:util';
import { corsOriginsFrom, isLoopbackBind } from './origins.ts';
import type { LakeOptions } from './server.ts';
import type { Role } from './auth.ts';
import { isRecord, parseJson, ROLES, short, tokensFrom, type Tokens } from './tokens.ts';
import type { WebhookConfig } from './webhooks.ts';

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
export function lakeConfigFrom(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): LakeCliConfig {
  let values: { port?: string | undefined; host?: string | undefined; data?: string | undefined; 'cors-origin'?: string[] | undefined; token?: string | undefined; help?: boolean | undefined };
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: { port: { type: 'string' }, host: { type: 'string' }, data: { type: 'string' }, 'cors-origin': { type: 'string', multiple: true }, token: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    return { kind: 'errors', errors: [`${error instanceof Error ? error.message : String(error)} (see --help)`] };
  }
  if (values.help === true) return { kind: 'help' };
  const errors: string[] = [];
  const port = portFrom(values.port !== undefined ? ['--port', values.port] : ['LAKE_PORT', env['LAKE_PORT']], errors);
  const host = values.host ?? nonEmpty(env['LAKE_HOST']) ?? '127.0.0.1';
  const dataFile = values.data ?? nonEmpty(env['LAKE_DATA']) ?? DEFAULT_DATA_FILE;
  if (dataFile.trim() === '') errors.push('--data: expected a file path, received an empty string');
  const tokens = lakeTokensFrom(env['LAKE_TOKENS'], errors);
  const webhooks = webhooksFrom(env['LAKE_WEBHOOKS'], errors);
  const corsOrigins =
    values['cors-origin'] !== undefined ? values['cors-origin'].flatMap((raw) => corsOriginsFrom('--cors-origin', raw, errors)) : corsOriginsFrom('LAKE_CORS_ORIGINS', env['LAKE_CORS_ORIGINS'], errors);
  if (!isLoopbackBind(host) && nonEmpty(env['LAKE_TOKENS']) === undefined && values.token === undefined) {
    errors.push(`--host ${host}: binding beyond loopback exposes the API to the network, so the generated tokens are not used there; set LAKE_TOKENS to tokens of your own (e.g. LAKE_TOKENS='{"<a long random string>": {"role": "editor"}}'), or bind 127.0.0.1`);
  }
  const queryTimeoutMs = millisecondsFrom('LAKE_QUERY_TIMEOUT_MS', env['LAKE_QUERY_TIMEOUT_MS'], errors);
  const listenFilterTimeoutMs = millisecondsFrom('LAKE_LISTEN_FILTER_TIMEOUT_MS', env['LAKE_LISTEN_FILTER_TIMEOUT_MS'], errors);
  if (errors.length > 0) return { kind: 'errors', errors };
  if (values.token !== undefined) {
    const role = ROLES.find((candidate) => candidate === values.token);
    if (role === undefined) return { kind: 'errors', errors: [`--token: expected a role, "administrator", "editor" or "viewer", received ${JSON.stringify(values.token)}`] };
    return { kind: 'token', role, dataFile };
  }
  const budgets = { ...(queryTimeoutMs === undefined ? {} : { queryTimeoutMs }), ...(listenFilterTimeoutMs === undefined ? {} : { listenFilterTimeoutMs }) };
  return { kind: 'ok', options: { port, host, dataFile, webhooks, corsOrigins, ...budgets, ...(tokens === undefined ? {} : { tokens }) } };
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value;
}

function portFrom([name, raw]: [string, string | undefined], errors: string[]): number {
  if (raw === undefined || raw.trim() === '') return DEFAULT_PORT;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    errors.push(`${name}: expected a port number from 0 to 65535, received "${raw}"`);
    return DEFAULT_PORT;
  }
  return port;
}

function millisecondsFrom(name: string, raw: string | undefined, errors: string[]): number | undefined {
  if (raw === undefined || raw.trim() === '') return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) {
    errors.push(`${name}: expected a whole number of milliseconds (at least 1), received "${raw}"`);
    return undefined;
  }
  return value;
}

function lakeTokensFrom(raw: string | undefined, errors: string[]): Tokens | undefined {
  if (raw === undefined || raw.trim() === '') return undefined;
  return tokensFrom('LAKE_TOKENS', parseJson('LAKE_TOKENS', raw, errors), errors);
}

const WEBHOOK_FIELDS = ['name', 'url', 'dataset', 'filter', 'projection', 'secret', 'on', 'includeDrafts'];

function webhooksFrom(raw: string | undefined, errors: string[]): WebhookConfig[] {
  if (raw === undefined || raw.trim() === '') return [];
  const value = parseJson('LAKE_WEBHOOKS', raw, errors);
  if (value === undefined) return [];
  if (!Array.isArray(value)) {
    errors.push(`LAKE_WEBHOOKS: expected a JSON array of webhooks, received ${short(value)}`);
    return [];
  }
  const webhooks: WebhookConfig[] = [];
  for (const [index, item] of value.entries()) {
    const at = `LAKE_WEBHOOKS[${index}]`;
    if (!isRecord(item)) {
      errors.push(`${at}: expected an object with at least "url", received ${short(item)}`);
      continue;
    }
    const before = errors.length;
    for (const key of Object.keys(item)) if (!WEBHOOK_FIELDS.includes(key)) errors.push(`${at}.${key}: unknown field (expected ${WEBHOOK_FIELDS.join(', ')})`);
    if (typeof item['url'] !== 'string') errors.push(`${at}.url: expected a URL string, received ${short(item['url'])}`);
    for (const key of ['name', 'dataset', 'filter', 'projection', 'secret']) {
      if (item[key] !== undefined && typeof item[key] !== 'string') errors.push(`${at}.${key}: expected a string, received ${short(item[key])}`);
    }
    const on = item['on'];
    if (on !== undefined && (!Array.isArray(on) || !on.every((trigger) => trigger === 'create' || trigger === 'update' || trigger === 'delete'))) {
      errors.push(`${at}.on: expected an array of "create", "update", "delete", received ${short(on)}`);
    }
    if (item['includeDrafts'] !== undefined && typeof item['includeDrafts'] !== 'boolean') errors.push(`${at}.includeDrafts: expected true or false, received ${short(item['includeDrafts'])}`);
    // Every field was checked above, so the object has the WebhookConfig shape when nothing was reported.
    if (errors.length === before) webhooks.push(item as unknown as WebhookConfig);
  }
  return webhooks;
}
