/**
 * Evaluates Similar News on a relevance set and prints P@5, MRR, coverage and the wrong-event rate for
 * tags only, text only and the hybrid. `--bench N` times `findSimilar` on a generated corpus instead.
 */
import { readFileSync } from 'node:fs';
import type { SimilarSignals } from '../src/lib/similar/options.ts';
import { findSimilar } from '../src/lib/similar/similar-index.ts';
import {
  ceilingMetrics,
  EvalDataError,
  evaluateAll,
  formatTable,
  generateCorpus,
  parseEvalJsonl,
  type EvalArticle,
} from './lib/eval-similar.ts';
import { cliArgs, usage } from './lib/args.ts';

/** ECB+, kept outside the repository: its texts may be used as a test fixture but never published. */
const DEFAULT_FILE = '/work/shared/eval/ecbplus/ecbplus.jsonl';

const HELP = `Usage: npm run eval:similar -- [FILE.jsonl] [--json] [--bench [N]]

Ranks every article of FILE (default ${DEFAULT_FILE}) against all others with
findSimilar (src/lib/similar/), using only title, body and entities (as tags), and
scores the rankings against the "event" labels. An article is a query when another
article shares its event.

FILE: one JSON object a line with id, title, body, entities (list of strings), event,
and optionally topic (enables the wrong-event rate: links to another event of the
same topic).

Options:
  --json       print one JSON object {"tags": {...}, "text": {...}, "hybrid": {...}}
  --bench [N]  time findSimilar on a generated corpus of N stories of ~400 words
               (default 10000) instead of evaluating
  -h, --help   show this help

Exit code 1 when FILE is missing or malformed (every bad line is named), 2 for a bad command line.`;

function main(): void {
  const args = cliArgs(
    {
      allowPositionals: true,
      options: { json: { type: 'boolean' }, bench: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
    },
    HELP,
  );
  if (args.values.bench) {
    const n = args.positionals[0] === undefined ? 10_000 : Number(args.positionals[0]);
    if (!Number.isInteger(n) || n < 2) {
      usage(
        `--bench: expected a whole number of stories of 2 or more, received ${JSON.stringify(args.positionals[0])}`,
        HELP,
      );
    }
    bench(n);
    return;
  }
  if (args.positionals.length > 1) {
    usage(`expected at most one FILE, received ${args.positionals.length}: ${args.positionals.join(' ')}`, HELP);
  }
  const file = args.positionals[0] ?? DEFAULT_FILE;
  let articles: EvalArticle[];
  try {
    articles = parseEvalJsonl(readFileSync(file, 'utf8'), file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (error instanceof EvalDataError) fail(error.message);
    else if (code === 'ENOENT') fail(`${file}: no such file; expected a JSON-lines relevance set (see --help)`);
    else fail(`${file}: cannot be read (${(error as Error).message})`);
    return;
  }

  const started = performance.now();
  const results = evaluateAll(articles);
  const seconds = (performance.now() - started) / 1000;
  if (args.values.json) {
    console.log(JSON.stringify(results));
    return;
  }
  const events = new Set(articles.map((a) => a.event)).size;
  const topics = new Set(articles.map((a) => a.topic).filter((t) => t !== undefined)).size;
  const { hybrid, text, tags } = results;
  console.log(
    `Similar News on ${file}: ${articles.length} articles, ${hybrid.queries} queries, ${events} events` +
      (topics > 0 ? `, ${topics} topics` : '') +
      '\n',
  );
  console.log(formatTable(results, ceilingMetrics(articles)));
  console.log(
    `\nhybrid P@5 ${hybrid.p5.toFixed(3)}, MRR ${hybrid.mrr.toFixed(3)} (text ${text.p5.toFixed(3)}, tags ${tags.p5.toFixed(3)}) ` +
      `over ${hybrid.queries} queries in ${seconds.toFixed(1)} s`,
  );
}

/** Times the three signals on a generated corpus; prints numbers and asserts nothing. */
function bench(n: number): void {
  let started = performance.now();
  const corpus = generateCorpus(n);
  const words = corpus.reduce((sum, s) => sum + s.text.split(' ').length + s.title.split(' ').length, 0);
  console.log(`Generated ${n} stories, ${Math.round(words / n)} words each on average, in ${ms(started)}`);
  for (const signals of ['hybrid', 'text', 'tags'] satisfies SimilarSignals[]) {
    started = performance.now();
    const cpu = process.cpuUsage();
    const links = findSimilar(corpus, { signals });
    const cpuMs = process.cpuUsage(cpu).user / 1000;
    const wall = ms(started);
    let similar = 0;
    let fallback = 0;
    for (const list of links.values()) {
      for (const link of list) {
        if (link.reason === 'similar') similar++;
        else if (link.reason === 'fallback') fallback++;
      }
    }
    // CPU time as well as wall time: on a shared machine the wall time also counts other processes.
    console.log(
      `${signals.padEnd(6)} findSimilar: ${wall} wall, ${(cpuMs / 1000).toFixed(2)} s CPU (${similar} similar links, ${fallback} fallback)`,
    );
  }
  const heapMb = process.memoryUsage().heapUsed / 2 ** 20;
  console.log(`${n} stories timed on Node ${process.version}; heap in use at the end ${heapMb.toFixed(0)} MB`);
}

function ms(since: number): string {
  const elapsed = performance.now() - since;
  return elapsed >= 1000 ? `${(elapsed / 1000).toFixed(2)} s` : `${Math.round(elapsed)} ms`;
}

function fail(message: string): void {
  console.error(`eval:similar: ${message}`);
  process.exitCode = 1;
}

main();
