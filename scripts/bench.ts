// Build benchmark (`npm run bench`, issue 10): the same generated corpus built by this project, the bare Astro anchor
// and Hugo, cold, with nothing changed and with one story changed; prints wall time, CPU seconds and peak memory of
// each whole process tree, pages, and this project's ratios to the anchors.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { appendFile, copyFile, cp, mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  bytes,
  formatSummary,
  SCENARIOS,
  seconds,
  sizeLabel,
  sizesFromText,
  summarize,
  type BuildResult,
  type Scenario,
} from './lib/bench-report.ts';
import { measure } from './lib/process-usage.ts';
import { cliArgs, usage } from './lib/args.ts';

const HELP = `Usage: npm run bench [-- --sizes 1k,10k] [--runs 1] [--generators newsdesk,astro,hugo] [--json FILE] [--verbose]

Builds the same generated corpus (bench/gen-corpus.mjs) with this project ("newsdesk"), the bare Astro 7 anchor
("astro", bench/astro-site) and Hugo ("hugo", bench/hugo-site; skipped when hugo is not on the PATH), each
  cold               output and every cache deleted first,
  nothing changed    the same command again,
  one story changed  after one story's body is edited,
and prints a table per size: wall time, CPU seconds (user + system of the whole process tree), peak RSS (summed
over the process tree, polled every 100 ms), pages (.html files in the output), ms per page and per story, and
this project's wall and CPU time divided by each anchor's in the same run ("wall/astro"). Each build starts after
\`sync\`, so that none pays for writing back the files of the one before.

Options:
  --sizes LIST       story counts: 1k,10k,100k or 1000,10000 (default 1k,10k)
  --runs N           builds each size N times, alternating the generators; reports medians (default 1)
  --generators LIST  any of newsdesk, astro, hugo (related content by tags, cardinality threshold 10, like the
                     others' similar stories), hugo-norelated (default newsdesk,astro,hugo)
  --json FILE        writes every result there (default tmp/bench/results-<time>.json)
  --verbose          shows the builds' output as they run (it always goes to tmp/bench/logs/)
  -h, --help         shows this help

Everything happens under tmp/bench/ (git-ignored): the corpora (kept and reused: 100k takes minutes to make), the
Astro anchor's npm install (once), the work copies, the logs. This project builds there with its own --outDir,
NEWS_CACHE_DIR and ASTRO_CACHE_DIR, so your dist/ and caches are left alone; its cold builds also delete .astro/
and node_modules/.vite/, which every build writes again. A failed build is reported (exit code, last lines of
its output) and the others go on; the exit code is then 1.`;

const SUBJECT = 'newsdesk';
const KNOWN = ['newsdesk', 'astro', 'hugo', 'hugo-norelated'];
const PROJECT = process.cwd();
const KIT = path.resolve('bench');
const ROOT = path.resolve('tmp/bench');
const WORK = path.join(ROOT, 'work');
/** The story the "one story changed" builds edit, in the corpus and in this project's content. */
const STORY = 'story-000001.md';

/** One generator, set up for one size: what it builds, where, and which folders a cold build deletes. */
interface Generator {
  name: string;
  /** The work copy of the content it builds, and the pristine folder it is copied from. */
  content: string;
  pristine: (size: number) => string;
  story: string;
  outDir: string;
  caches: string[];
  command: string;
  args: string[];
  cwd: string;
  env: Record<string, string>;
}

const corpusDir = (size: number) => path.join(ROOT, `corpus-${size}`);
const newsdeskDir = (size: number) => path.join(ROOT, `newsdesk-${size}`);

function generator(name: string): Generator {
  if (name === 'newsdesk') {
    const work = path.join(WORK, 'newsdesk');
    const content = path.join(work, 'content');
    const cache = { NEWS_CACHE_DIR: path.join(work, 'cache'), ASTRO_CACHE_DIR: path.join(work, 'astro-cache') };
    return {
      name,
      content,
      pristine: newsdeskDir,
      story: path.join('stories', STORY),
      outDir: path.join(work, 'dist'),
      caches: [...Object.values(cache), path.join(PROJECT, '.astro'), path.join(PROJECT, 'node_modules/.vite')],
      command: process.execPath,
      args: ['scripts/build.ts', '--outDir', path.join(work, 'dist')],
      cwd: PROJECT,
      env: { CONTENT_DIR: content, ...cache },
    };
  }
  if (name === 'astro') {
    const site = path.join(WORK, 'astro-site');
    return {
      name,
      content: path.join(site, 'content/news'),
      pristine: corpusDir,
      story: STORY,
      outDir: path.join(site, 'dist'),
      caches: ['.astro', 'node_modules/.astro', 'node_modules/.vite'].map((d) => path.join(site, d)),
      command: process.execPath,
      args: ['node_modules/astro/bin/astro.mjs', 'build'],
      cwd: site,
      env: {},
    };
  }
  const site = path.join(WORK, 'hugo-site');
  const config = name === 'hugo' ? 'hugo-fastrelated.yaml' : 'hugo-norelated.yaml';
  const outDir = path.join(site, `public-${name}`);
  const cacheDir = path.join(site, `cache-${name}`);
  return {
    name,
    content: path.join(site, 'content/news'),
    pristine: corpusDir,
    story: STORY,
    outDir,
    caches: [cacheDir, path.join(site, 'resources')],
    command: 'hugo',
    args: ['--config', config, '--destination', outDir, '--cacheDir', cacheDir],
    cwd: site,
    env: {},
  };
}

/** The environment of every build: Node 24 first on the PATH, and none of the settings that would change a build. */
function buildEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!/^(SANITY_|NEWS_|ASTRO_|CONTENT_DIR$|SITE_URL$)/.test(key)) env[key] = value;
  }
  return {
    ...env,
    PATH: `${path.dirname(process.execPath)}${path.delimiter}${env['PATH'] ?? ''}`,
    ASTRO_TELEMETRY_DISABLED: '1',
    // A build for this machine on purpose, also where CI=true (src/lib/site/site-url.ts).
    SITE_URL: 'http://localhost:4321',
    ...extra,
  };
}

/** Runs a setup step (corpus generation, npm ci) with its output shown; rejects when it fails. */
function run(command: string, args: readonly string[], cwd = PROJECT): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env: buildEnv({}), stdio: 'inherit' });
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve() : reject(new Error(`${command} ${args.join(' ')} exited with ${code}`)),
    );
  });
}

/** Makes a folder once, through a `.partial` folder renamed at the end, so an interrupted run is not reused. */
async function once(dir: string, make: (partial: string) => Promise<void>): Promise<void> {
  if (existsSync(dir)) return;
  const partial = `${dir}.partial`;
  await rm(partial, { recursive: true, force: true });
  await make(partial);
  await rename(partial, dir);
}

/** The corpus of `size` stories, and this project's copy of it, made the first time. */
async function prepareCorpus(size: number, needsNewsdesk: boolean): Promise<void> {
  await once(corpusDir(size), async (partial) => {
    console.log(
      `generating ${size.toLocaleString('en-US')} stories into ${path.relative(PROJECT, corpusDir(size))}...`,
    );
    await run(process.execPath, [path.join(KIT, 'gen-corpus.mjs'), String(size), partial]);
  });
  if (needsNewsdesk)
    await once(newsdeskDir(size), (partial) =>
      run(process.execPath, [path.join(KIT, 'to-newsdesk.mjs'), corpusDir(size), partial]),
    );
}

/** The anchors' sites copied from bench/ (the Astro anchor's dependencies installed the first time). */
async function prepareAnchors(names: readonly string[]): Promise<void> {
  if (names.includes('astro')) {
    const site = path.join(WORK, 'astro-site');
    await cp(path.join(KIT, 'astro-site'), site, { recursive: true, force: true });
    if (!existsSync(path.join(site, 'node_modules/astro/package.json'))) {
      console.log('installing the Astro anchor (npm ci, once)...');
      await run('npm', ['ci', '--no-audit', '--no-fund'], site);
    }
  }
  if (names.some((n) => n.startsWith('hugo')))
    await cp(path.join(KIT, 'hugo-site'), path.join(WORK, 'hugo-site'), { recursive: true, force: true });
}

async function countHtml(dir: string): Promise<number> {
  if (!existsSync(dir)) return 0;
  return (await readdir(dir, { recursive: true })).filter((f) => f.endsWith('.html')).length;
}

function versions(names: readonly string[]): Record<string, string> {
  const astro = (dir: string) => {
    try {
      return (
        JSON.parse(readFileSync(path.join(dir, 'node_modules/astro/package.json'), 'utf8')) as { version: string }
      ).version;
    } catch {
      return 'unknown';
    }
  };
  return {
    node: process.version,
    astro: astro(PROJECT),
    ...(names.includes('astro') ? { anchorAstro: astro(path.join(WORK, 'astro-site')) } : {}),
    ...(names.some((n) => n.startsWith('hugo'))
      ? { hugo: spawnSync('hugo', ['version'], { encoding: 'utf8' }).stdout.trim() }
      : {}),
  };
}

async function main(): Promise<number> {
  const { values } = cliArgs(
    {
      options: {
        sizes: { type: 'string', default: '1k,10k' },
        runs: { type: 'string', default: '1' },
        generators: { type: 'string', default: 'newsdesk,astro,hugo' },
        json: { type: 'string' },
        verbose: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    },
    HELP,
  );
  const { sizes, errors } = sizesFromText(values.sizes);
  const runs = Number(values.runs);
  if (!Number.isSafeInteger(runs) || runs < 1)
    errors.push(`--runs: expected a whole number of 1 or more, received ${JSON.stringify(values.runs)}`);
  let names = values.generators.split(',').map((n) => n.trim());
  for (const n of names.filter((n) => !KNOWN.includes(n)))
    errors.push(`--generators: expected some of ${KNOWN.join(', ')}, received ${JSON.stringify(n)}`);
  if (errors.length > 0) usage(errors.join('\n'), HELP);
  if (names.some((n) => n.startsWith('hugo')) && spawnSync('hugo', ['version']).error) {
    console.log('hugo is not on the PATH: the Hugo anchor is skipped (apt-get install hugo, or see gohugo.io).');
    names = names.filter((n) => !n.startsWith('hugo'));
  }

  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const jsonFile = path.resolve(values.json ?? path.join(ROOT, `results-${stamp}.json`));
  const logDir = path.join(ROOT, 'logs', stamp);
  await mkdir(logDir, { recursive: true });
  await mkdir(path.dirname(jsonFile), { recursive: true });
  await prepareAnchors(names);
  const generators = names.map(generator);
  const anchors = names.filter((n) => n !== SUBJECT);
  const results: BuildResult[] = [];
  const report = {
    startedAt: new Date().toISOString(),
    machine: {
      cpus: os.cpus().length,
      memoryBytes: os.totalmem(),
      platform: `${os.platform()} ${os.release()}`,
      ...versions(names),
    },
    options: { sizes, runs, generators: names },
    results,
    summaries: {} as Record<string, ReturnType<typeof summarize>>,
  };
  const save = () => writeFile(jsonFile, JSON.stringify(report, null, 2) + '\n');

  for (const size of sizes) {
    const label = sizeLabel(size);
    await prepareCorpus(size, names.includes(SUBJECT));
    // Each content folder once (the Hugo variants share theirs): a fresh copy for the size, the story restored per run.
    const contents = [...new Map(generators.map((g) => [g.content, g])).values()];
    for (const g of contents) {
      await rm(g.content, { recursive: true, force: true });
      await mkdir(path.dirname(g.content), { recursive: true });
      // -L: a corpus reached through a symbolic link is copied, never edited in place by the runs below.
      await run('cp', ['-RL', g.pristine(size), g.content]);
    }
    for (let r = 1; r <= runs; r += 1) {
      for (const g of contents) await copyFile(path.join(g.pristine(size), g.story), path.join(g.content, g.story));
      // Each run starts with another generator, so none always builds right after the same one.
      const order = generators
        .map((_, i) => generators[(i + r - 1) % generators.length])
        .filter((g) => g !== undefined);
      for (const scenario of SCENARIOS) {
        if (scenario === 'one story changed') {
          for (const g of contents)
            await appendFile(
              path.join(g.content, g.story),
              `\nThe council confirmed the budget again on the benchmark's run ${r}.\n`,
            );
        }
        for (const g of order) {
          results.push(await build(g, size, r, scenario, logDir, values.verbose));
          report.summaries[label] = summarize(results, size, names, SUBJECT);
          await save();
        }
      }
    }
    console.log(
      `\n${size.toLocaleString('en-US')} stories, ${runs === 1 ? '1 run' : `medians of ${runs} runs`}:\n${formatSummary(report.summaries[label] ?? [], anchors)}\n`,
    );
  }

  const failed = results.filter((r) => r.exitCode !== 0);
  for (const f of failed)
    console.log(
      `failed: ${sizeLabel(f.size)} run ${f.run} ${f.generator} ${f.scenario}: exit ${f.exitCode} (log: ${path.relative(PROJECT, f.log)})`,
    );
  console.log(`${results.length} builds, ${failed.length} failed; results in ${path.relative(PROJECT, jsonFile)}`);
  return failed.length > 0 ? 1 : 0;
}

/** One build, measured, with its progress lines. */
async function build(
  g: Generator,
  size: number,
  run: number,
  scenario: Scenario,
  logDir: string,
  echo: boolean,
): Promise<BuildResult> {
  if (scenario === 'cold')
    await Promise.all([g.outDir, ...g.caches].map((dir) => rm(dir, { recursive: true, force: true })));
  // Files the build before wrote are flushed first, so that no build pays for writing back another's.
  spawnSync('sync');
  const log = path.join(logDir, `${sizeLabel(size)}-run${run}-${g.name}-${scenario.replaceAll(' ', '-')}.log`);
  console.log(`[${sizeLabel(size)} run ${run}] ${g.name}: ${scenario}...`);
  const usage = await measure(g.command, g.args, { cwd: g.cwd, env: buildEnv(g.env), logFile: log, echo });
  const pages = await countHtml(g.outDir);
  const result: BuildResult = {
    size,
    run,
    generator: g.name,
    scenario,
    exitCode: usage.exitCode,
    wallMs: usage.wallMs,
    cpuS: usage.userS + usage.systemS,
    peakRssBytes: usage.peakRssBytes,
    pages,
    log,
  };
  const cost = `${seconds(usage.wallMs / 1000)} s, ${seconds(result.cpuS)} CPU s, ${bytes(usage.peakRssBytes)} peak`;
  if (usage.exitCode === 0) {
    console.log(`  built in ${cost}, ${pages.toLocaleString('en-US')} pages`);
    return result;
  }
  console.log(
    `  FAILED after ${cost}: exit ${usage.exitCode}; the last lines (all in ${path.relative(PROJECT, log)}):\n${usage.tail.map((l) => `    ${l}`).join('\n')}`,
  );
  return { ...result, tail: usage.tail };
}

// A setup step that fails (making a corpus, installing the anchor) ends the bench with its message, not a stack trace.
process.exitCode = await main().catch((error: unknown) => {
  console.error(`bench: ${error instanceof Error ? error.message : String(error)}`);
  return 1;
});
