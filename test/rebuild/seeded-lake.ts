/**
 * A lake for in-process tests of the rebuild service: its data seeded from content/ and public/ by the import script,
 * then served again with a webhook to the service's port, and an administrator's client; and the service's settings
 * for it.
 */
import path from 'node:path';
import type { SanityClient } from '@sanity/client';
import { serviceConfigFromEnv, type ServiceConfig } from '../../rebuild/config.ts';
import { startLake, type RunningLake } from '../../lake/server.ts';
import { ADMIN_TOKEN, ROOT, runScript, SECRET } from '../../e2e/rebuild/harness.ts';
import { lakeClient } from '../../scripts/lib/lake-client.ts';

export async function seededLake(
  dir: string,
  servicePort: number,
): Promise<{ lake: RunningLake; client: SanityClient }> {
  const dataFile = path.join(dir, 'data.ndjson');
  const tokens = { [ADMIN_TOKEN]: { role: 'administrator', name: 'Unit Admin' } } as const;
  const seed = await startLake({ dataFile, tokens });
  const env: NodeJS.ProcessEnv = { ...process.env, SANITY_TOKEN: ADMIN_TOKEN };
  for (const name of Object.keys(env)) if (/^(SANITY_PROJECT|SANITY_DATASET|SANITY_API)/.test(name)) delete env[name];
  const imported = runScript(
    'scripts/import.ts',
    ['--api-host', seed.url, '--content', path.join(ROOT, 'content'), '--public', path.join(ROOT, 'public')],
    env,
  );
  const { code } = await imported.exited;
  await seed.close();
  if (code !== 0) throw new Error(`scripts/import.ts exited with ${code}:\n${imported.output()}`);
  const lake = await startLake({
    dataFile,
    tokens,
    webhooks: [
      {
        name: 'rebuild',
        url: `http://127.0.0.1:${servicePort}/hooks/sanity`,
        filter: '_type in ["story", "section", "author", "tag"]',
        projection: '{_id, _type, "slug": slug.current}',
        secret: SECRET,
      },
    ],
    webhookRetryDelaysMs: [200, 500],
  });
  return { lake, client: lakeClient(lake.url, ADMIN_TOKEN) };
}

/** The rebuild service's settings for `lake`, serving on `port` from `<dir>/site`, with `env` added. */
export function serviceConfig(
  lake: RunningLake,
  port: number,
  dir: string,
  env: Record<string, string> = {},
): ServiceConfig {
  const parsed = serviceConfigFromEnv({
    SANITY_PROJECT_ID: 'local',
    SANITY_DATASET: 'production',
    SANITY_API_HOST: lake.url,
    SANITY_WEBHOOK_SECRET: SECRET,
    SERVE_HOST: '127.0.0.1',
    SERVE_PORT: String(port),
    SERVE_DIR: path.join(dir, 'site'),
    REBUILD_DEBOUNCE_MS: '50',
    ...env,
  });
  if (!parsed.config) throw new Error(parsed.problems.join('\n'));
  return parsed.config;
}
