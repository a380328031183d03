import path from 'node:path';
import { readContentDir, type StoryFilesReader } from './content-files.ts';
import type { SiteSource } from '../site/site.ts';

/** Where the build reads its content from, decided once from the environment. */
export type SourceConfig = { kind: 'files'; dir: string } | { kind: 'sanity'; env: NodeJS.ProcessEnv };

/**
 * Picks the content source: Sanity when `SANITY_PROJECT_ID` is set, else the `content/` folder (or `CONTENT_DIR`).
 */
export function sourceFromEnv(env: NodeJS.ProcessEnv = process.env): SourceConfig {
  if (env['SANITY_PROJECT_ID']) return { kind: 'sanity', env };
  return { kind: 'files', dir: path.resolve(env['CONTENT_DIR'] ?? 'content') };
}

/** Reads every story and taxonomy entry from the configured source; validation issues are returned, not thrown. */
export async function loadSource(
  config: SourceConfig,
  options: { readStories?: StoryFilesReader | undefined } = {},
): Promise<SiteSource> {
  if (config.kind === 'files') return readContentDir(config.dir, undefined, options.readStories);
  const { loadSanitySource } = await import('./sanity/site-source.ts');
  return loadSanitySource(config.env);
}
