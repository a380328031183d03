import { z } from 'zod';
import { siteUrl, SiteUrlError } from '../src/lib/site/site-url.ts';
import { formatIssue } from '../src/lib/model/content-error.ts';
import { environmentIssues, sanityConfigFromEnv, type SanityConfig } from '../src/lib/sources/sanity/config.ts';
import { HTTP_LIMITS, type HttpLimits } from '../src/lib/server/http-limits.ts';
import { DEFAULT_TIME_ZONE, isTimeZone } from '../src/lib/site/dates.ts';

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
  /** The site's public origin for the pages' canonical links, when not SITE_URL's (the newsroom's own port). */
  siteUrl?: string;
  /** The draft preview server (rebuild/preview.ts); none when absent. */
  preview?: PreviewConfig;
  /** The time zone pages print dates in (`NEWS_TIME_ZONE`); UTC when absent. */
  timeZone?: string;
  /** The comments endpoint (rebuild/comments.ts); none when absent. */
  comments?: CommentsConfig;
}

/** The comments endpoint's settings. */
export interface CommentsConfig {
  /** A token that may create comments (the lake's commenter role; in Sanity, a role that may only create them). */
  token: string;
  /** Origins the site's pages are served from besides the service's own (the public origin behind a proxy). */
  origins: string[];
  /** Count comments against the last `X-Forwarded-For` address (only behind a proxy that sets it). */
  trustProxy: boolean;
}

/** The preview server's settings (see rebuild/preview.ts). */
export interface PreviewConfig {
  /** Its port (0: a free one), on the service's host. */
  port: number;
  /** A token that reads drafts (a viewer's): it never reaches a render process or a browser. */
  token: string;
  /** The Studio origins that may frame previews and ask for preview links. */
  studioOrigins: string[];
  /** The signing key as text (at least 32 characters); else one kept in `<dir>/preview.key`, made on first start. */
  secret?: string;
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
  SERVE_IDLE_TIMEOUT_MS   a connection on which nothing moves this long is closed (default ${HTTP_LIMITS.idleMs})
  SERVE_PREVIEW_PORT      port of the draft preview server (signed links only); unset: no previews
  SANITY_PREVIEW_TOKEN    with SERVE_PREVIEW_PORT: a token that reads drafts (a viewer's; never shown)
  PREVIEW_SECRET          the preview links' signing key, at least 32 characters (default: one made and kept in
                          SERVE_DIR/preview.key, readable by the service's user only; delete it to revoke every link)
  PREVIEW_STUDIO_ORIGINS  comma-separated Studio origins that may show previews and ask for links
  NEWS_TIME_ZONE          the time zone pages print dates in, e.g. Europe/Berlin (default UTC)
  SANITY_COMMENTS_TOKEN   a token that may only create comments: readers' comments are taken at POST /comments
                          (unset: the comment forms answer that comments are not taken)
  COMMENTS_ORIGINS        comma-separated origins the site is served from (the public one behind a proxy); comments
                          are accepted from these and the service's own
  COMMENTS_TRUST_PROXY    1: rate-limit by the last X-Forwarded-For address (only behind a proxy that sets it)`;

/** A whole-number variable from `min` to `max`; `fallback` when it is absent or blank. */
const wholeNumber = (fallback: number, min: number, max: number) =>
  z
    .string()
    .optional()
    .transform((raw) => raw?.trim() ?? '')
    .refine((raw) => raw === '' || (Number.isInteger(Number(raw)) && Number(raw) >= min && Number(raw) <= max), {
      error: (issue) => `expected a whole number from ${min} to ${max}, received ${JSON.stringify(issue.input)}`,
    })
    .transform((raw) => (raw === '' ? fallback : Number(raw)));

/** A comma-separated list of origins (scheme, host and port only), e.g. `example`; empty when unset. */
function originList(example: string) {
  return z
    .string()
    .optional()
    .transform((raw) =>
      (raw ?? '')
        .split(',')
        .map((origin) => origin.trim())
        .filter(Boolean),
    )
    .refine((origins) => origins.every((origin) => URL.canParse(origin) && new URL(origin).origin === origin), {
      error: `expected comma-separated origins such as ${example}`,
    });
}

/** The service's own variables (the `SANITY_*` ones are read by `sanityConfigFromEnv`); the secret is never echoed. */
const serviceEnvSchema = z.object({
  SANITY_PROJECT_ID: z
    .string()
    .default('')
    .refine((id) => id !== '', {
      error: 'expected the Sanity project id to read content from (use "local" with `npm run lake`)',
    }),
  SANITY_WEBHOOK_SECRET: z
    .string()
    .default('')
    .refine((secret) => secret.length >= 16, {
      error: (issue) =>
        `expected the webhook's secret, at least 16 characters (received ${String(issue.input).length})`,
    }),
  SERVE_HOST: z
    .string()
    .optional()
    .transform((raw) => raw?.trim() || '127.0.0.1'),
  SERVE_DIR: z
    .string()
    .optional()
    .transform((raw) => raw?.trim() || '.site'),
  SERVE_PORT: wholeNumber(4322, 0, 65535),
  REBUILD_DEBOUNCE_MS: wholeNumber(150, 0, 60_000),
  WEBHOOK_MAX_BYTES: wholeNumber(1_048_576, 1024, 100 * 1_048_576),
  WEBHOOK_MAX_AGE_S: wholeNumber(300, 1, 86_400),
  SERVE_REQUEST_TIMEOUT_MS: wholeNumber(HTTP_LIMITS.requestMs, 100, 600_000),
  SERVE_IDLE_TIMEOUT_MS: wholeNumber(HTTP_LIMITS.idleMs, 100, 600_000),
  SERVE_PREVIEW_PORT: wholeNumber(-1, 0, 65535),
  SANITY_PREVIEW_TOKEN: z
    .string()
    .optional()
    .transform((raw) => raw?.trim() ?? ''),
  PREVIEW_SECRET: z
    .string()
    .optional()
    .refine((secret) => secret === undefined || secret === '' || secret.length >= 32, {
      error: (issue) => `expected at least 32 characters (received ${String(issue.input).length})`,
    }),
  PREVIEW_STUDIO_ORIGINS: originList('http://localhost:3334'),
  SANITY_COMMENTS_TOKEN: z
    .string()
    .optional()
    .transform((raw) => raw?.trim() ?? ''),
  COMMENTS_ORIGINS: originList('https://news.example.com'),
  COMMENTS_TRUST_PROXY: z
    .enum(['', '0', '1'], { error: 'expected 1 (behind a proxy that sets X-Forwarded-For) or 0' })
    .optional()
    .transform((raw) => raw === '1'),
  NEWS_TIME_ZONE: z
    .string()
    .optional()
    .transform((raw) => raw?.trim() || DEFAULT_TIME_ZONE)
    .refine(isTimeZone, {
      error: (issue) => `expected a time zone such as Europe/Berlin, received ${JSON.stringify(issue.input)}`,
    }),
});

/** Reads the configuration; every bad value is reported (secrets are never echoed). */
export function serviceConfigFromEnv(env: NodeJS.ProcessEnv): { config?: ServiceConfig; problems: string[] } {
  const parsed = serviceEnvSchema.safeParse(env);
  // The Sanity settings are checked only once there is a project id (its absence is the one problem to report then).
  const { config: sanity, issues: sanityIssues } = env['SANITY_PROJECT_ID'] ? sanityConfigFromEnv(env) : { issues: [] };
  const issues = [...sanityIssues, ...(parsed.success ? [] : environmentIssues(parsed.error))];
  // Without Sanity settings or the service's own there are issues to report (and with both, none).
  if (!sanity || !parsed.success) return { problems: issues.map(formatIssue) };
  const { data } = parsed;
  const idleMs = data.SERVE_IDLE_TIMEOUT_MS;
  const previewPort = data.SERVE_PREVIEW_PORT;
  if (previewPort >= 0 && data.SANITY_PREVIEW_TOKEN === '')
    return { problems: ['SANITY_PREVIEW_TOKEN: expected a token that reads drafts, since SERVE_PREVIEW_PORT is set'] };
  // In production (CI, NODE_ENV=production) the pages it builds need the site's public origin.
  try {
    siteUrl(env);
  } catch (error) {
    // Stryker disable next-line ConditionalExpression: siteUrl throws only SiteUrlError (it parses with canParse)
    if (error instanceof SiteUrlError) return { problems: [error.message] };
    throw error;
  }
  return {
    problems: [],
    config: {
      host: data.SERVE_HOST,
      port: data.SERVE_PORT,
      dir: data.SERVE_DIR,
      sanity: { ...sanity, preview: false },
      secret: data.SANITY_WEBHOOK_SECRET,
      debounceMs: data.REBUILD_DEBOUNCE_MS,
      maxBodyBytes: data.WEBHOOK_MAX_BYTES,
      maxAgeMs: data.WEBHOOK_MAX_AGE_S * 1000,
      limits: {
        requestMs: data.SERVE_REQUEST_TIMEOUT_MS,
        idleMs,
        keepAliveMs: Math.min(HTTP_LIMITS.keepAliveMs, idleMs),
      },
      ...(previewPort >= 0
        ? {
            preview: {
              port: previewPort,
              token: data.SANITY_PREVIEW_TOKEN,
              studioOrigins: data.PREVIEW_STUDIO_ORIGINS,
              ...(data.PREVIEW_SECRET ? { secret: data.PREVIEW_SECRET } : {}),
            },
          }
        : {}),
      timeZone: data.NEWS_TIME_ZONE,
      ...(data.SANITY_COMMENTS_TOKEN
        ? {
            comments: {
              token: data.SANITY_COMMENTS_TOKEN,
              origins: data.COMMENTS_ORIGINS,
              trustProxy: data.COMMENTS_TRUST_PROXY,
            },
          }
        : {}),
    },
  };
}
