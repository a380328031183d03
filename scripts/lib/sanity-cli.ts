import type { SanityClient } from '@sanity/client';
import { formatIssue } from '../../src/lib/model/content-error.ts';
import { describeSanityError, sanityClient } from '../../src/lib/sources/sanity/client.ts';
import { sanityConfigFromEnv, type SanityConfig } from '../../src/lib/sources/sanity/config.ts';

/** The flags every Sanity command-line tool takes (`--project`, `--dataset`, `--api-host`), for `parseArgs`. */
export const SANITY_FLAGS = {
  project: { type: 'string' },
  dataset: { type: 'string' },
  'api-host': { type: 'string' },
} as const;

/** Reads the Sanity configuration for a command-line tool (flags override the environment); exits 1 on bad values. */
export function sanityFromArgs(
  flags: { project?: string | undefined; dataset?: string | undefined; 'api-host'?: string | undefined },
  options: { needsToken: boolean },
): { config: SanityConfig; client: SanityClient } {
  const env = { ...process.env };
  env['SANITY_PROJECT_ID'] = flags.project ?? env['SANITY_PROJECT_ID'] ?? 'local';
  const dataset = flags.dataset;
  if (dataset) env['SANITY_DATASET'] = dataset;
  const host = flags['api-host'];
  if (host) env['SANITY_API_HOST'] = host;
  const { config, issues } = sanityConfigFromEnv(env);
  if (options.needsToken && !env['SANITY_TOKEN'])
    issues.push({
      where: 'environment',
      field: 'SANITY_TOKEN',
      message: 'expected a token with write access (for the local API: npm run -s lake -- --token editor prints one)',
    });
  if (!config || issues.length > 0) fail(issues.map(formatIssue).join('\n'));
  return { config, client: sanityClient({ ...config, preview: false }).withConfig({ perspective: 'raw' }) };
}

/** Prints a one-line reason for a failed Sanity request and exits 1. */
export function failSanity(error: unknown, config: SanityConfig): never {
  fail(describeSanityError(error, config));
}

/** Prints the message and exits 1, without a stack trace. */
export function fail(message: string): never {
  console.error(`error: ${message}`);
  process.exit(1);
}
