import { createClient, type SanityClient } from '@sanity/client';
import type { SanityConfig } from './config.ts';

/** A `@sanity/client` for the configured dataset: published content, or drafts in preview mode. */
export function sanityClient(config: SanityConfig): SanityClient {
  return createClient({
    projectId: config.projectId,
    dataset: config.dataset,
    apiVersion: config.apiVersion,
    useCdn: false,
    perspective: config.preview ? 'drafts' : 'published',
    ...(config.token ? { token: config.token } : {}),
    // A custom host (the local API) is addressed directly, not through `<projectId>.api.sanity.io`.
    ...(config.apiHost ? { apiHost: config.apiHost, useProjectHostname: false } : {}),
  });
}

/** Turns a client failure into one sentence that says what to check. */
export function describeSanityError(error: unknown, config: SanityConfig): string {
  const host = config.apiHost ?? `https://${config.projectId}.api.sanity.io`;
  const e = error as {
    statusCode?: number;
    code?: string;
    message?: string;
    cause?: { code?: string; message?: string };
  };
  const code = e.code ?? e.cause?.code;
  // fetch fails with a bare "fetch failed" whose cause says why; some causes carry no code (undici's "bad port").
  const unreachable = e.statusCode === undefined && (code !== undefined || e.message === 'fetch failed');
  if (unreachable) {
    return `could not reach Sanity at ${host} (${code ?? e.cause?.message ?? e.message}); check SANITY_API_HOST, the network, or start the local API with \`npm run lake\``;
  }
  if (e.statusCode === 401) return `Sanity at ${host} refused the token (401); check SANITY_TOKEN`;
  if (e.statusCode === 403)
    return `the token may not do this on dataset "${config.dataset}" (403); it needs more permissions`;
  if (e.statusCode === 404)
    return `dataset "${config.dataset}" or project "${config.projectId}" was not found at ${host} (404); check SANITY_DATASET and SANITY_PROJECT_ID`;
  return `Sanity request failed: ${e.message ?? String(error)}`;
}
