// Builds the static site (`npm run build`): content problems are printed as one list, without a stack trace.
import { cp, mkdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { build } from 'astro';
import { unsafeLinks } from './lib/public-links.ts';

const HELP = `Usage: npm run build [-- --outDir DIR]

Builds the site into dist/ (or DIR) from content/, or from Sanity when SANITY_PROJECT_ID is set (see README).
Exits 1 with every content problem listed when the content is invalid.`;

const args = process.argv.slice(2);
if (args.includes('--help')) {
  console.log(HELP);
  process.exit(0);
}
const outIndex = args.indexOf('--outDir');
const outDir = outIndex >= 0 && args[outIndex + 1] ? path.resolve(args[outIndex + 1] ?? '') : undefined;
process.env['ASTRO_TELEMETRY_DISABLED'] ??= '1';

// Astro puts a build's server chunks in <outDir>/.prerender, but in ./.astro when outDir lies outside the project,
// where two builds running at once would overwrite each other's. So such a build runs in a folder of its own
// inside the project and is moved to outDir when it succeeds.
const outside = outDir !== undefined && !outDir.startsWith(process.cwd() + path.sep);
const buildDir = outside ? path.resolve('node_modules/.cache/newsdesk/out', String(process.pid)) : outDir;

// Astro copies public/ into the site following symbolic links: refuse any that leads out of it, before building.
const links = await unsafeLinks(path.resolve('public'));
if (links.length > 0) {
  console.error(`\n${links.length} unsafe symbolic link${links.length === 1 ? '' : 's'} in public/; nothing was built:\n${links.map((l) => `  - ${l.file} → ${l.target}: ${l.problem}`).join('\n')}\n\nReplace each link with a copy of the file it should serve, or remove it.`);
  process.exit(1);
}

const started = performance.now();
try {
  await build(buildDir ? { outDir: buildDir } : {});
  if (outside && outDir && buildDir) await moveDir(buildDir, outDir);
  console.log(`Built in ${((performance.now() - started) / 1000).toFixed(1)} s.`);
} catch (error) {
  const e = error as { name?: string; message?: string; hint?: string; stack?: string };
  if (typeof e.message === 'string' && e.message.includes('content problem')) {
    // Content errors are the editor's to fix: the list and the hint, no stack trace.
    console.error(`\n${e.message}${e.hint ? `\n\n${e.hint}` : ''}`);
  } else {
    console.error(e.stack ?? String(error));
  }
  process.exitCode = 1;
  if (outside && buildDir) await rm(buildDir, { recursive: true, force: true });
}

async function moveDir(from: string, to: string): Promise<void> {
  await rm(to, { recursive: true, force: true });
  await mkdir(path.dirname(to), { recursive: true });
  try {
    await rename(from, to);
  } catch {
    // Another file system: copy, then remove.
    await cp(from, to, { recursive: true });
    await rm(from, { recursive: true, force: true });
  }
}
