// Publish-to-live latency: `npm run bench:publish [-- --sizes demo,10000 --runs 5]`.
// For each site size: a local Sanity API seeded with the stories, the rebuild service as a real process, then
// `runs` publishes of a new story with @sanity/client. Latency = from the webhook reaching the service to the
// new page being served (the service's status gives the first; polling the page gives the second). A full
// rebuild (cold caches) of the same content is timed in the same run, beside it.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile, copyFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createClient } from '@sanity/client';
import { readContentDir } from '../src/lib/content-files.ts';
import { siteSourceToDocuments } from '../src/lib/sanity/documents.ts';
import { startLake } from './lake/server.ts';
import { flagValue } from './lib/args.ts';

const args = process.argv.slice(2);
if (args.includes('--help')) {
  console.log('Usage: npm run bench:publish -- [--sizes demo,10000] [--runs 5] [--verbose] [--back-to-back]\nPrints publish-to-live latency (median, min, max) per site size, and a full rebuild time beside it.');
  process.exit(0);
}
const flag = (name: string, fallback: string) => flagValue(args, name, fallback);
const sizes = flag('--sizes', 'demo,10000').split(',');
const runs = Number(flag('--runs', '5'));
const SECRET = 'bench-webhook-secret-0123456789';
const node = process.execPath;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)] ?? NaN;
const sec = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

/** The dataset for a size, as NDJSON, cached under tmp/bench (making 10,000 stories takes a minute). */
async function dataset(size: string): Promise<string> {
  const file = path.resolve('tmp/bench', `dataset-${size}.ndjson`);
  if (existsSync(file)) return file;
  await mkdir(path.dirname(file), { recursive: true });
  let dir = path.resolve('content');
  if (size !== 'demo') {
    dir = path.resolve('tmp/bench', `content-${size}`);
    await run(node, ['scripts/generate-content.ts', '--count', size, '--out', dir]);
  }
  console.log(`preparing the ${size} dataset...`);
  const source = await readContentDir(dir);
  // Images are left out of the benchmark dataset: the site renders without them.
  const docs = siteSourceToDocuments({ ...source, stories: source.stories.map(({ story, where }) => { const { image: _image, ...rest } = story; return { story: rest, where }; }) }, () => undefined);
  const now = new Date().toISOString();
  await writeFile(file, docs.map((d) => JSON.stringify({ ...d, _rev: 'seed', _createdAt: now, _updatedAt: now })).join('\n') + '\n');
  return file;
}

function run(cmd: string, argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, argv, { stdio: 'inherit', env });
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`${cmd} ${argv.join(' ')} exited with ${code}`))));
  });
}

async function waitFor<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

interface Status {
  build: { id: string } | null;
  lastSuccess: { buildId: string; triggeredAt: string | null; ms: number } | null;
  queue: { building: boolean; pending: boolean; settling?: boolean; renderer?: string };
}

const results: { size: string; stories: number; latencies: number[]; publishToLive: number[]; settled: number[]; builds: number[]; full: number }[] = [];
for (const size of sizes) {
  const work = await mkdtemp(path.join(tmpdir(), `bench-${size}-`));
  const dataFile = path.join(work, 'lake', 'data.ndjson');
  await mkdir(path.dirname(dataFile), { recursive: true });
  await copyFile(await dataset(size), dataFile);
  const stories = (await readFile(dataFile, 'utf8')).split('\n').filter((l) => l.includes('"_type":"story"')).length;
  const servicePort = 4500 + Math.floor(Math.random() * 400);
  const lake = await startLake({
    port: 0,
    dataFile,
    tokens: { 'bench-admin-token': { role: 'administrator' } },
    log: () => {},
    webhooks: [{ name: 'rebuild', url: `http://127.0.0.1:${servicePort}/hooks/sanity`, filter: '_type in ["story", "section", "tag", "author"]', projection: '{_id, _type}', secret: SECRET }],
  });
  const env = { ...process.env, SANITY_PROJECT_ID: 'local', SANITY_API_HOST: lake.url, SANITY_WEBHOOK_SECRET: SECRET, SERVE_PORT: String(servicePort), SERVE_DIR: path.join(work, 'site') };
  console.log(`\n== ${size}: ${stories} stories; starting the service (first build)...`);
  const service: ChildProcess = spawn(node, ['scripts/serve.ts'], { env, stdio: ['ignore', 'pipe', 'inherit'] });
  // --verbose shows the service's log (sync, model, build timings of every build).
  service.stdout?.on('data', (chunk: Buffer) => {
    if (args.includes('--verbose')) process.stderr.write(chunk);
  });
  const base = `http://127.0.0.1:${servicePort}`;
  const status = async () => (await (await fetch(`${base}/status`)).json()) as Status;
  try {
    await waitFor('the first build', async () => ((await status()).build ? true : undefined), 30 * 60_000);
    const client = createClient({ projectId: 'local', dataset: 'production', apiVersion: '2025-02-19', apiHost: lake.url, useProjectHostname: false, useCdn: false, token: 'bench-admin-token' });
    const latencies: number[] = [];
    const publishToLive: number[] = [];
    const builds: number[] = [];
    const settled: number[] = [];
    const idle = async () => { const s = await status(); return s.queue.building || s.queue.pending || s.queue.settling ? undefined : true; };
    // --back-to-back: publish as soon as the last build is live, before the next build process has bundled the site.
    const ready = async () => { const s = await status(); return (await idle()) && (args.includes('--back-to-back') || s.queue.renderer !== 'starting') ? true : undefined; };
    for (let i = 0; i < runs; i += 1) {
      // Each run starts from a settled site (no build running or queued, Similar News recomputed) and, as between
      // an editor's publishes, a build process that has bundled the site and waits for its plan.
      await waitFor('an idle service', ready, 30 * 60_000);
      const slug = `bench-${Date.now()}-${i}`;
      const published = Date.now();
      await client.create({
        _id: `story-${slug}`,
        _type: 'story',
        title: `Benchmark story ${i + 1} on Ukraine peace talks and tariffs`,
        slug: { _type: 'slug', current: slug },
        dek: 'A story published by the benchmark.',
        publishedAt: new Date(published - 1000).toISOString(),
        section: { _type: 'reference', _ref: 'section-world' },
        tags: [{ _type: 'reference', _ref: 'tag-ukraine', _key: 'a' }, { _type: 'reference', _ref: 'tag-diplomacy', _key: 'b' }],
        authors: [{ _type: 'reference', _ref: 'author-jane-park', _key: 'c' }],
        body: [{ _type: 'block', _key: 'p', style: 'normal', markDefs: [], children: [{ _type: 'span', _key: 's', text: 'Negotiators met again on the peace plan for Ukraine.', marks: [] }] }],
      });
      await waitFor('the story page', async () => ((await fetch(`${base}/news/${slug}/`)).status === 200 ? true : undefined), 30 * 60_000);
      const live = Date.now();
      const s = await status();
      // A trigger recorded before this publish belongs to an earlier change: the webhook came after the publish.
      const triggered = s.lastSuccess?.triggeredAt ? Date.parse(s.lastSuccess.triggeredAt) : published;
      const received = Math.max(triggered, published);
      latencies.push(live - received);
      publishToLive.push(live - published);
      builds.push(s.lastSuccess?.ms ?? NaN);
      // Then until the follow-up recomputation of Similar News is live too (other stories may now list this one).
      await waitFor('the settled site', idle, 30 * 60_000);
      settled.push(Date.now() - received);
      console.log(`run ${i + 1}: webhook received -> live ${sec(live - received)} (publish -> live ${sec(live - published)}; build ${sec(s.lastSuccess?.ms ?? NaN)}; -> settled ${sec(Date.now() - received)})`);
    }
    // A full rebuild of the same content, read from the same API, with cold caches, in the same run.
    const fullDir = path.join(work, 'full');
    const started = Date.now();
    await run(node, ['scripts/build.ts', '--outDir', fullDir], { ...process.env, SANITY_PROJECT_ID: 'local', SANITY_API_HOST: lake.url, ASTRO_CACHE_DIR: path.join(work, 'cold-astro'), NEWS_CACHE_DIR: path.join(work, 'cold-cache') });
    results.push({ size, stories, latencies, publishToLive, settled, builds, full: Date.now() - started });
  } finally {
    const exited = new Promise((resolve) => service.once('close', resolve));
    service.kill('SIGTERM');
    await exited;
    await lake.close();
    await rm(work, { recursive: true, force: true });
  }
}

console.log('\nsite          stories  runs  webhook->live median (min-max)   publish->live median   ->settled median   full rebuild (cold)');
for (const r of results) {
  console.log(
    `${r.size.padEnd(12)}  ${String(r.stories).padStart(7)}  ${String(r.latencies.length).padStart(4)}  ${sec(median(r.latencies)).padStart(8)} (${sec(Math.min(...r.latencies))}-${sec(Math.max(...r.latencies))})` +
      `       ${sec(median(r.publishToLive)).padStart(8)}          ${sec(median(r.settled)).padStart(8)}          ${sec(r.full)}`,
  );
}
