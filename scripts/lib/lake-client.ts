import { createClient, type SanityClient } from '@sanity/client';

/** A @sanity/client for the local API at `apiHost` (`npm run lake`), as the benchmarks and tests use it: no CDN, one token. */
export function lakeClient(apiHost: string, token: string): SanityClient {
  return createClient({
    projectId: 'local',
    dataset: 'production',
    apiVersion: '2025-02-19',
    apiHost,
    useProjectHostname: false,
    useCdn: false,
    token,
  });
}
