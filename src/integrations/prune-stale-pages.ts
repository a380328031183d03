import { readdir, rm, rmdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AstroIntegration } from 'astro';

/**
 * For builds into a folder that already holds the previous build (the rebuild service copies it there so that
 * Astro's incremental build finds unchanged pages in place instead of copying them one by one): after the build,
 * removes every HTML page this build did not produce, such as the page of an unpublished story.
 */
export function pruneStalePages(): AstroIntegration {
  return {
    name: 'newsdesk:prune-stale-pages',
    hooks: {
      'astro:build:done': async ({ dir, assets, logger }) => {
        const root = fileURLToPath(dir);
        const produced = new Set<string>();
        for (const files of assets.values()) for (const file of files) produced.add(path.resolve(fileURLToPath(file)));
        let removed = 0;
        for (const entry of await readdir(root, { recursive: true, withFileTypes: true })) {
          if (!entry.isFile() || !entry.name.endsWith('.html')) continue;
          const file = path.resolve(entry.parentPath, entry.name);
          if (produced.has(file)) continue;
          await rm(file);
          removed += 1;
          // Remove the page's folder too when it is now empty (/news/<slug>/).
          await rmdir(path.dirname(file)).catch(() => undefined);
        }
        if (removed) logger.info(`removed ${removed} page(s) of the previous build that this build no longer has`);
      },
    },
  };
}
