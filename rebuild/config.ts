import { formatIssue, type ContentIssue } from '../src/lib/model/content-error.ts';
import { sanityConfigFromEnv, type SanityConfig } from '../src/lib/sources/sanity/config.ts';
import { HTTP_LIMITS, type HttpLimits } from '../scripts/lib/http-limits.ts';

/** The rebuild service's settings, validated once at start. */
export interface ServiceConfig {
  host: string;
  port: number;
  /** Where builds, the mirror and caches live. */
  dir: string;
  sanity: SanityConfig;
  secret: string;
  debounceMs: number;
  maxBodyBytes: number;
  maxAgeMs: number;
  /** How long a client may take to send a request, and to keep a connection idle (HTTP_LIMITS when absent). */
  limits?: HttpLimits;
}

/** Help text listing every variable. */
export const SERVICE_HELP = `Usage: npm run serve

The rebuild service: serves the current build of the site, receives Sanity webhooks at POST /hooks/sanity,
syncs what changed, rebuilds, and switches to the new build atomically. GET /status reports its state.

Environment:
  SANITY_PROJECT_ID, SANITY_DATASET, SANITY_API_VERSION, SANITY_API_HOST, SANITY_TOKEN   where to read content (README)
  SANITY_WEBHOOK_SECRET   required: the secret the webhook is signed with
  SERVE_HOST              interface to listen on (default 127.0.0.1)
  SERVE_PORT              port (default 4322; 0 picks a free one)
  SERVE_DIR               where builds, the mirror and caches live (default .site)
  REBUILD_DEBOUNCE_MS     quiet time before a rebuild starts, to coalesce bursts (default 150)
  WEBHOOK_MAX_BYTES       largest webhook body accepted (default 1048576)
  WEBHOOK_MAX_AGE_S       oldest signature accepted, against replays (default 300)
  SERVE_REQUEST_TIMEOUT_MS  a request's headers and body must arrive within this (default ${HTTP_LIMITS.requestMs})
  SERVE_IDLE_TIMEOUT_MS   a connection on which nothing moves this long is closed (default ${HTTP_LIMITS.idleMs})`;

/** Reads the configuration; every bad value is reported (secrets are never echoed). */
export function serviceConfigFromEnv(env: NodeJS.ProcessEnv): { config?: ServiceConfig; problems: string[] } {
  const issues: ContentIssue[] = [];
  const bad = (field: string, message: string) => issues.push({ where: 'environment', field, message });
  const int = (name: string, fallback: number, min: number, max: number) => {
    const raw = env[name]?.trim();
    if (!raw) return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min || n > max) bad(name, `expected a whole number from ${min} to ${max}, received ${JSON.stringify(raw)}`);
    return n;
  };
  const sanityEnv = { ...env, SANITY_PROJECT_ID: env['SANITY_PROJECT_ID'] ?? '' };
  if (!env['SANITY_PROJECT_ID']) bad('SANITY_PROJECT_ID', 'expected the Sanity project id to read content from (use "local" with `npm run lake`)');
  const { config: sanity, issues: sanityIssues } = sanityConfigFromEnv(sanityEnv);
  if (env['SANITY_PROJECT_ID']) issues.push(...sanityIssues);
  const secret = env['SANITY_WEBHOOK_SECRET'] ?? '';
  if (secret.length < 16) bad('SANITY_WEBHOOK_SECRET', `expected the webhook's secret, at least 16 characters (received ${secret.length})`);
  const port = int('SERVE_PORT', 4322, 0, 65535);
  const debounceMs = int('REBUILD_DEBOUNCE_MS', 150, 0, 60_000);
  const maxBodyBytes = int('WEBHOOK_MAX_BYTES', 1_048_576, 1024, 100 * 1_048_576);
  const maxAgeS = int('WEBHOOK_MAX_AGE_S', 300, 1, 86_400);
  const requestMs = int('SERVE_REQUEST_TIMEOUT_MS', HTTP_LIMITS.requestMs, 100, 600_000);
  const idleMs = int('SERVE_IDLE_TIMEOUT_MS', HTTP_LIMITS.idleMs, 100, 600_000);
  if (issues.length > 0 || !sanity) return { problems: issues.map(formatIssue) };
  return {
    problems: [],
    config: { host: env['SERVE_HOST']?.trim() || '127.0.0.1', port, dir: env['SERVE_DIR']?.trim() || '.site', sanity: { ...sanity, preview: false }, secret, debounceMs, maxBodyBytes, maxAgeMs: maxAgeS * 1000, limits: { requestMs, idleMs, keepAliveMs: Math.min(HTTP_LIMITS.keepAliveMs, idleMs) } },
  };
}
