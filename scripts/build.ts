// Builds the static site (`npm run build`): content problems are printed as one list, without a stack trace.
import path from 'node:path';
import { parseArgs } from 'node:util';
import { CONTENT_HINT, ContentError, contentProblems } from '../src/lib/model/content-error.ts';
import { BuildFailure } from '../src/build/failure.ts';
import { SOURCE_HINT } from '../src/lib/sources/source-error.ts';
import { siteUrl, SiteUrlError } from '../src/lib/site/site-url.ts';
import { mergeShards, runBuild } from '../src/build/run.ts';
import { unsafeLinks } from './lib/public-links.ts';

const HELP = `Usage: npm run build [-- --outDir DIR] [--jobs N] [--shard I/N]
       npm run build -- --merge DIR... --outDir DIR

Builds the site into dist/ (or DIR) from content/, or from Sanity when SANITY_PROJECT_ID is set (see README).
Renders only the pages that changed since the last build of the same folder, in one process per core.
Exits 1 with every content problem listed when the content is invalid, or with the cause when the source fails.

  --outDir DIR   where the site goes (default dist/)
  --jobs N       render processes at once (default: one per core, fewer for a small site)
  --shard I/N    render share I of N of the pages into an emptied DIR (a CI runner's part of a spread build)
  --merge DIR... assemble the folders of --shard builds into --outDir`;

process.env['ASTRO_TELEMETRY_DISABLED'] ??= '1';

let values;
let positionals: string[];
try {
  ({ values, positionals } = parseArgs({
    // --render (not in the help): a render process, started by a build or the rebuild service (src/build/ipc.ts).
    options: {
      outDir: { type: 'string' },
      jobs: { type: 'string' },
      shard: { type: 'string' },
      merge: { type: 'boolean' },
      render: { type: 'boolean' },
      help: { type: 'boolean' },
    },
    allowPositionals: true,
    strict: true,
  }));
} catch (error) {
  console.error(`${error instanceof Error ? error.message : String(error)}\n\n${HELP}`);
  process.exit(2);
}
if (values.help) {
  console.log(HELP);
  process.exit(0);
}
const outDir = path.resolve(values.outDir ?? 'dist');
const started = performance.now();
const seconds = () => `${((performance.now() - started) / 1000).toFixed(1)} s`;

try {
  if (values.render) {
    // A render process of a build or of the rebuild service: Astro renders the plan its parent hands over.
    if (!process.send)
      usage(
        '--render is for the render processes that a build or the rebuild service starts: they hand over the plan through an IPC channel, and this process has none',
      );
    const { renderPlan } = await import('../src/build/astro.ts');
    await renderPlan(values.outDir === undefined ? undefined : outDir);
  } else if (values.merge) {
    if (positionals.length === 0) usage('--merge needs the folders of the --shard builds to assemble');
    const files = await mergeShards(positionals, outDir);
    console.log(
      `Merged ${positionals.length} shards (${files.toLocaleString('en-US')} files) into ${outDir} in ${seconds()}.`,
    );
  } else {
    if (positionals.length > 0) usage(`unexpected argument "${positionals[0]}"`);
    // A production build refuses the localhost default before doing anything (src/lib/site/site-url.ts).
    siteUrl();
    await checkPublic();
    const report = await runBuild({
      outDir,
      jobs: positive('--jobs', values.jobs),
      shard: shard(values.shard),
      log: (line) => console.log(line),
    });
    console.log(
      report.rendered === 0 && report.removed === 0
        ? `Nothing changed: ${report.pages.toLocaleString('en-US')} pages up to date in ${seconds()}.`
        : `Built in ${seconds()}: ${report.rendered.toLocaleString('en-US')} of ${report.pages.toLocaleString('en-US')} pages rendered, ${report.removed} removed.`,
    );
  }
} catch (error) {
  process.exitCode = 1;
  const e = error as { name?: string; message?: string; hint?: string; stack?: string };
  if (error instanceof SiteUrlError) console.error(`\n${error.message}\nNothing was built.`);
  else if (error instanceof ContentError) console.error(`\n${contentProblems(error.issues)}\n\n${CONTENT_HINT}`);
  // The source failed (unreachable, timed out, refused): its cause, and that the content is not at fault.
  else if (error instanceof BuildFailure && error.stage === 'sync')
    console.error(`\n${error.message}; ${outDir} was left as it was.\n\n${SOURCE_HINT}`);
  else if (error instanceof BuildFailure)
    console.error(`\n${error.output.trim()}\n\n${error.message}; ${outDir} was left as it was.`);
  // Content errors are the editor's to fix: the list and the hint, no stack trace.
  else if (typeof e.message === 'string' && e.message.includes('content problem'))
    console.error(`\n${e.message}${e.hint ? `\n\n${e.hint}` : ''}`);
  else console.error(e.stack ?? String(error));
}

/** Astro copies public/ into the site following symbolic links: refuse any that leads out of it, before building. */
async function checkPublic(): Promise<void> {
  const links = await unsafeLinks(path.resolve('public'));
  if (links.length === 0) return;
  console.error(
    `\n${links.length} unsafe symbolic link${links.length === 1 ? '' : 's'} in public/; nothing was built:\n${links.map((l) => `  - ${l.file} → ${l.target}: ${l.problem}`).join('\n')}\n\nReplace each link with a copy of the file it should serve, or remove it.`,
  );
  process.exit(1);
}

function positive(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) usage(`${flag} takes a whole number of at least 1, not "${value}"`);
  return n;
}

function shard(value: string | undefined): { index: number; count: number } | undefined {
  if (value === undefined) return undefined;
  const match = /^(\d+)\/(\d+)$/.exec(value);
  const index = Number(match?.[1]);
  const count = Number(match?.[2]);
  if (!match || count < 1 || index < 1 || index > count)
    usage(`--shard takes I/N with 1 ≤ I ≤ N, e.g. --shard 2/8, not "${value}"`);
  return { index, count };
}

function usage(message: string): never {
  console.error(`${message}\n\n${HELP}`);
  process.exit(2);
}
