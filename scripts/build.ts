// Builds the static site (`npm run build`): content problems are printed as one list, without a stack trace.
import { build } from 'astro';

const HELP = `Usage: npm run build [-- --outDir DIR]

Builds the site into dist/ (or DIR) from content/, or from Sanity when SANITY_PROJECT_ID is set (see README).
Exits 1 with every content problem listed when the content is invalid.`;

const args = process.argv.slice(2);
if (args.includes('--help')) {
  console.log(HELP);
  process.exit(0);
}
const outIndex = args.indexOf('--outDir');
const outDir = outIndex >= 0 ? args[outIndex + 1] : undefined;
process.env['ASTRO_TELEMETRY_DISABLED'] ??= '1';

const started = performance.now();
try {
  await build(outDir ? { outDir } : {});
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
}
