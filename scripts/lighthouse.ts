// Audits a built site with Lighthouse (from npm) in Debian's Chromium: each page, mobile and desktop, the four
// categories, printed as a table. Exits 1 when a score is under the budget (100). Not part of `npm test`: it takes
// minutes and a page's performance score depends on the machine's load; run it after changing pages or styles.
import { spawn } from 'node:child_process';
import { mkdir, readFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { chromiumPath, hasChromium } from '../e2e/chromium.ts';
import { limitedServer } from '../src/lib/server/http-limits.ts';
import { serveStatic } from '../src/lib/server/static-files.ts';
import { cliArgs, usage } from './lib/args.ts';

const PAGES = [
  ['home', '/'],
  ['story', '/news/us-china-trade-truce-busan/'],
  ['section', '/section/world/'],
  ['tag index', '/tags/'],
  ['tag', '/tags/china/'],
  ['author', '/authors/jane-park/'],
  ['search', '/search/?q=trade'],
] as const;
const CATEGORIES = ['performance', 'accessibility', 'best-practices', 'seo'] as const;

const HELP = `Usage: node scripts/lighthouse.ts [DIR=dist] [--page PATH ...] [--out tmp/lighthouse] [--budget 100]
Serves DIR on loopback and runs Lighthouse on each page (default: ${PAGES.map(([, p]) => p).join(' ')}), mobile
and desktop, with the Chromium at $CHROMIUM_PATH (default /usr/bin/chromium). Reports go to --out as JSON.`;
const { values, positionals } = cliArgs(
  {
    options: {
      page: { type: 'string', multiple: true },
      out: { type: 'string', default: 'tmp/lighthouse' },
      budget: { type: 'string', default: '100' },
      help: { type: 'boolean' },
    },
    allowPositionals: true,
  },
  HELP,
);
if (positionals.length > 1) usage(`unexpected argument "${positionals[1]}": one folder to audit at most`, HELP);
const budget = Number(values.budget);
if (!Number.isInteger(budget) || budget < 0 || budget > 100) usage('--budget: expected 0 to 100', HELP);
if (!hasChromium()) {
  console.error(`No Chromium at ${chromiumPath()}: install Debian's (apt-get install chromium) or set CHROMIUM_PATH.`);
  process.exit(1);
}
const dir = path.resolve(positionals[0] ?? 'dist');
const out = path.resolve(values.out);
await mkdir(out, { recursive: true });
const pages = values.page?.map((p) => [p, p] as const) ?? PAGES;

const server = limitedServer((req, res) => {
  serveStatic(dir, req, res).catch(() => res.destroy());
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

/** Runs the Lighthouse command line once; resolves with the report's category scores (0–100). */
async function audit(url: string, desktop: boolean, file: string): Promise<Record<string, number>> {
  const args = [
    url,
    '--output=json',
    `--output-path=${file}`,
    '--quiet',
    '--chrome-flags=--headless=new --no-sandbox --disable-gpu',
    `--only-categories=${CATEGORIES.join(',')}`,
    ...(desktop ? ['--preset=desktop'] : []),
  ];
  const bin = path.resolve('node_modules/.bin/lighthouse');
  const status = await new Promise<number>((resolve) => {
    const child = spawn(bin, args, {
      stdio: ['ignore', 'ignore', 'inherit'],
      env: { ...process.env, CHROME_PATH: chromiumPath() },
    });
    child.on('close', (code) => resolve(code ?? 1));
  });
  if (status !== 0) throw new Error(`lighthouse exited with ${status} for ${url}`);
  const report = JSON.parse(await readFile(file, 'utf8')) as {
    categories: Record<string, { score: number | null }>;
  };
  return Object.fromEntries(CATEGORIES.map((c) => [c, Math.round((report.categories[c]?.score ?? 0) * 100)]));
}

const rows: string[][] = [];
const below: string[] = [];
try {
  for (const [name, pagePath] of pages) {
    const row = [name, pagePath];
    for (const desktop of [false, true]) {
      const form = desktop ? 'desktop' : 'mobile';
      const slug = `${name.replace(/\W+/g, '-')}-${form}`;
      const scores = await audit(origin + pagePath, desktop, path.join(out, `${slug}.json`));
      row.push(CATEGORIES.map((c) => scores[c]).join(' / '));
      for (const c of CATEGORIES) if ((scores[c] ?? 0) < budget) below.push(`${name} ${form} ${c}: ${scores[c]}`);
    }
    rows.push(row);
    console.error(`${row.join('  ')}`);
  }
} finally {
  server.close();
}
const header = ['page', 'path', 'mobile (perf / a11y / best practices / SEO)', 'desktop'];
console.log(`| ${header.join(' | ')} |\n| ${header.map(() => '---').join(' | ')} |`);
for (const row of rows) console.log(`| ${row.join(' | ')} |`);
console.log(`\nReports: ${path.relative(process.cwd(), out)}/`);
if (below.length > 0) {
  console.log(`Under the budget of ${budget}:\n  ${below.join('\n  ')}`);
  process.exitCode = 1;
}
