// Publish-to-live latency: `npm run bench:publish [-- --sizes demo,10000 --runs 5]`.
// For each site size: a local Sanity API seeded with the stories, the rebuild service as a real process, then
// `runs` publishes of a new story with @sanity/client. Latency = from the webhook reaching the service to the
// new page being served (the service's status gives the first; polling the page gives the second). A full
// rebuild (cold caches) of the same content is timed in the same run, beside it. The service's startup (from its
// start to its first build live) and the peak resident memory of its process tree (the service, its worker threads
// and its build processes, read from /proc) are reported too. With --preview, the draft preview server runs too, and
// each run also edits an existing story's draft and times the preview until it shows the edit.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { createReadStream, existsSync, readdirSync, readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { mkdir, mkdtemp, rm, copyFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { SanityClient, SanityDocumentStub } from '@sanity/client';
import { writeFileAtomicInParts } from '../src/lib/atomic-write.ts';
import { readContentDir } from '../src/lib/sources/content-files.ts';
import { siteSourceToDocuments } from '../src/lib/sources/sanity/documents.ts';
import { startLake } from '../lake/server.ts';
import { cliArgs } from './lib/args.ts';
import { lakeClient } from './lib/lake-client.ts';

const HELP =
  'Usage: npm run bench:publish -- [--sizes demo,10000] [--runs 5] [--verbose] [--back-to-back] [--no-full] [--preview] [--cpu-prof DIR]\n' +
  "Prints publish-to-live latency (median, min, max) per site size, the service's startup time and peak memory (its process\n" +
  'tree), and a full rebuild time beside it (--no-full: not). --preview times draft previews too (edit to preview shown).\n' +
  '--cpu-prof DIR writes CPU profiles of the service there.';
const { values: flags } = cliArgs(
  {
    options: {
      sizes: { type: 'string', default: 'demo,10000' },
      runs: { type: 'string', default: '5' },
      verbose: { type: 'boolean', default: false },
      'back-to-back': { type: 'boolean', default: false },
      'no-full': { type: 'boolean', default: false },
      preview: { type: 'boolean', default: false },
      'cpu-prof': { type: 'string', default: '' },
      help: { type: 'boolean' },
    },
  },
  HELP,
);
const sizes = flags.sizes.split(',');
const runs = Number(flags.runs);
const SECRET = 'bench-webhook-secret-0123456789';
const node = process.execPath;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)] ?? NaN;
const sec = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const gib = (bytes: number) => `${(bytes / 2 ** 30).toFixed(2)} GiB`;

/** The resident memory of a process and all its descendants, in bytes, from /proc (Linux); 0 elsewhere. */
function treeRss(root: number): number {
  const children = new Map<number, number[]>();
  let names: string[];
  try {
    names = readdirSync('/proc');
  } catch {
    return 0;
  }
  for (const name of names) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      // Fields after the command (which may hold spaces), from the last ')': state, ppid, ...
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const list = children.get(ppid) ?? [];
      list.push(Number(name));
      children.set(ppid, list);
    } catch {
      // The process ended meanwhile.
    }
  }
  let bytes = 0;
  const pending = [root];
  while (pending.length > 0) {
    const pid = pending.pop() as number;
    try {
      bytes += Number(readFileSync(`/proc/${pid}/statm`, 'utf8').split(' ')[1]) * 4096;
    } catch {
      // Ended meanwhile.
    }
    pending.push(...(children.get(pid) ?? []));
  }
  return bytes;
}

/** Samples a process tree's resident memory every 200 ms; `peak()` is the highest since the last `reset()`. */
function rssSampler(pid: number): { peak(): number; reset(): void; stop(): void } {
  let peak = 0;
  const timer = setInterval(() => {
    peak = Math.max(peak, treeRss(pid));
  }, 200);
  return {
    peak: () => Math.max(peak, treeRss(pid)),
    reset: () => {
      peak = 0;
    },
    stop: () => clearInterval(timer),
  };
}

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
  const docs = siteSourceToDocuments(
    {
      ...source,
      stories: source.stories.map(({ story, where }) => {
        const { image: _image, ...rest } = story;
        return { story: rest, where };
      }),
    },
    () => undefined,
  );
  const now = new Date().toISOString();
  // Written a line at a time: at 100,000 stories the whole file (about 530 MB) is near V8's longest string.
  await writeFileAtomicInParts(file, async (write) => {
    for (const d of docs) await write(`${JSON.stringify({ ...d, _rev: 'seed', _createdAt: now, _updatedAt: now })}\n`);
  });
  return file;
}

function run(cmd: string, argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, argv, { stdio: 'inherit', env });
    child.on('close', (code) =>
      code === 0 ? resolve() : reject(new Error(`${cmd} ${argv.join(' ')} exited with ${code}`)),
    );
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

const results: {
  size: string;
  stories: number;
  latencies: number[];
  publishToLive: number[];
  settled: number[];
  builds: number[];
  full: number | undefined;
  previews: number[];
  startup: number;
  startupRss: number;
  publishRss: number;
}[] = [];
for (const size of sizes) {
  const work = await mkdtemp(path.join(tmpdir(), `bench-${size}-`));
  const dataFile = path.join(work, 'lake', 'data.ndjson');
  await mkdir(path.dirname(dataFile), { recursive: true });
  await copyFile(await dataset(size), dataFile);
  let stories = 0;
  for await (const line of createInterface({ input: createReadStream(dataFile), crlfDelay: Infinity }))
    if (line.includes('"_type":"story"')) stories += 1;
  const servicePort = 4500 + Math.floor(Math.random() * 400);
  const previewPort = servicePort + 400;
  const lake = await startLake({
    port: 0,
    dataFile,
    tokens: { 'bench-admin-token': { role: 'administrator' } },
    log: () => {},
    webhooks: [
      {
        name: 'rebuild',
        url: `http://127.0.0.1:${servicePort}/hooks/sanity`,
        filter: '_type in ["story", "section", "tag", "author"]',
        projection: '{_id, _type}',
        secret: SECRET,
      },
    ],
  });
  const env = {
    ...process.env,
    SANITY_PROJECT_ID: 'local',
    SANITY_API_HOST: lake.url,
    SANITY_WEBHOOK_SECRET: SECRET,
    SERVE_PORT: String(servicePort),
    SERVE_DIR: path.join(work, 'site'),
    ...(flags.preview ? { SERVE_PREVIEW_PORT: String(previewPort), SANITY_PREVIEW_TOKEN: 'bench-admin-token' } : {}),
  };
  console.log(`\n== ${size}: ${stories} stories; starting the service (first build)...`);
  const profileDir = flags['cpu-prof'];
  const serviceStarted = Date.now();
  const service: ChildProcess = spawn(
    node,
    [...(profileDir ? ['--cpu-prof', '--cpu-prof-dir', path.resolve(profileDir)] : []), 'scripts/serve.ts'],
    { env, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const memory = rssSampler(service.pid ?? 0);
  // --verbose shows the service's log (sync, model, build timings of every build).
  service.stdout?.on('data', (chunk: Buffer) => {
    if (flags.verbose) process.stderr.write(chunk);
  });
  const base = `http://127.0.0.1:${servicePort}`;
  const status = async () => (await (await fetch(`${base}/status`)).json()) as Status;
  try {
    await waitFor('the first build', async () => ((await status()).build ? true : undefined), 30 * 60_000);
    const startup = Date.now() - serviceStarted;
    const startupRss = memory.peak();
    console.log(
      `first build live ${sec(startup)} after the service started; peak memory of its process tree ${gib(startupRss)}`,
    );
    memory.reset();
    const client = lakeClient(lake.url, 'bench-admin-token');
    const latencies: number[] = [];
    const publishToLive: number[] = [];
    const builds: number[] = [];
    const settled: number[] = [];
    const previews: number[] = [];
    const preview = flags.preview ? await previewLink(client, `http://127.0.0.1:${previewPort}`) : undefined;
    const idle = async () => {
      const s = await status();
      return s.queue.building || s.queue.pending || s.queue.settling ? undefined : true;
    };
    // --back-to-back: publish as soon as the last build is live, before the next build process has bundled the site.
    const ready = async () => {
      const s = await status();
      return (await idle()) && (flags['back-to-back'] || s.queue.renderer !== 'starting') ? true : undefined;
    };
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
        tags: [
          { _type: 'reference', _ref: 'tag-ukraine', _key: 'a' },
          { _type: 'reference', _ref: 'tag-diplomacy', _key: 'b' },
        ],
        authors: [{ _type: 'reference', _ref: 'author-jane-park', _key: 'c' }],
        body: [
          {
            _type: 'block',
            _key: 'p',
            style: 'normal',
            markDefs: [],
            children: [
              { _type: 'span', _key: 's', text: 'Negotiators met again on the peace plan for Ukraine.', marks: [] },
            ],
          },
        ],
      });
      await waitFor(
        'the story page',
        async () => ((await fetch(`${base}/news/${slug}/`)).status === 200 ? true : undefined),
        30 * 60_000,
      );
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
      console.log(
        `run ${i + 1}: webhook received -> live ${sec(live - received)} (publish -> live ${sec(live - published)}; build ${sec(s.lastSuccess?.ms ?? NaN)}; -> settled ${sec(Date.now() - received)})`,
      );
      if (preview) {
        // An editor's change to an existing story's draft, then the preview asked for until it shows the change.
        const title = `Draft headline ${i + 1} for the preview benchmark`;
        const edited = Date.now();
        await client.createOrReplace({ ...preview.story, _id: `drafts.${preview.id}`, title });
        await waitFor(
          'the preview',
          async () => ((await (await fetch(preview.url)).text()).includes(title) ? true : undefined),
          10 * 60_000,
        );
        previews.push(Date.now() - edited);
        console.log(`run ${i + 1}: draft edit -> shown in the preview ${sec(Date.now() - edited)}`);
      }
    }
    const publishRss = memory.peak();
    // A full rebuild of the same content, read from the same API, with cold caches, in the same run.
    let full: number | undefined;
    if (!flags['no-full']) {
      const fullDir = path.join(work, 'full');
      const started = Date.now();
      await run(node, ['scripts/build.ts', '--outDir', fullDir], {
        ...process.env,
        SANITY_PROJECT_ID: 'local',
        SANITY_API_HOST: lake.url,
        ASTRO_CACHE_DIR: path.join(work, 'cold-astro'),
        NEWS_CACHE_DIR: path.join(work, 'cold-cache'),
      }).then(
        () => (full = Date.now() - started),
        (error: unknown) =>
          console.log(`the full rebuild failed: ${error instanceof Error ? error.message : String(error)}`),
      );
    }
    results.push({
      size,
      stories,
      latencies,
      publishToLive,
      settled,
      builds,
      full,
      previews,
      startup,
      startupRss,
      publishRss,
    });
  } finally {
    memory.stop();
    const exited = new Promise((resolve) => service.once('close', resolve));
    service.kill('SIGTERM');
    await exited;
    await lake.close();
    await rm(work, { recursive: true, force: true });
  }
}

console.log(
  '\nsite          stories  runs  webhook->live median (min-max)   publish->live median   ->settled median   full rebuild (cold)',
);
for (const r of results) {
  console.log(
    `${r.size.padEnd(12)}  ${String(r.stories).padStart(7)}  ${String(r.latencies.length).padStart(4)}  ${sec(median(r.latencies)).padStart(8)} (${sec(Math.min(...r.latencies))}-${sec(Math.max(...r.latencies))})` +
      `       ${sec(median(r.publishToLive)).padStart(8)}          ${sec(median(r.settled)).padStart(8)}          ${r.full === undefined ? 'not run or failed' : sec(r.full)}`,
  );
}
if (flags.preview) {
  console.log('\nsite          draft edit -> shown in the preview: median (min-max)');
  for (const r of results)
    console.log(
      `${r.size.padEnd(12)}  ${sec(median(r.previews))} (${sec(Math.min(...r.previews))}-${sec(Math.max(...r.previews))})`,
    );
}
console.log('\nsite          startup (first build live)   peak memory of the service tree: starting   publishing');
for (const r of results) {
  console.log(
    `${r.size.padEnd(12)}  ${sec(r.startup).padStart(26)}   ${gib(r.startupRss).padStart(40)}   ${gib(r.publishRss).padStart(10)}`,
  );
}

/**
 * A signed preview link for the newest story, as the Studio gets one: a preview secret written to the dataset, then
 * exchanged with the preview server for a token. Returns the story (to edit its draft) and the link.
 */
async function previewLink(
  client: SanityClient,
  base: string,
): Promise<{ id: string; story: SanityDocumentStub & Record<string, unknown>; url: string }> {
  const story = await client.fetch<(SanityDocumentStub & Record<string, unknown>) | null>(
    '*[_type == "story" && !(_id in path("drafts.**"))] | order(publishedAt desc)[0]',
  );
  if (!story) throw new Error('the dataset has no story to preview');
  const id = String(story['_id']);
  const secret = randomBytes(24).toString('hex');
  await client.create({ _id: `drafts.${randomUUID()}`, _type: 'sanity.previewUrlSecret', secret });
  const answer = await waitFor(
    'the preview server',
    async () => {
      const res = await fetch(`${base}/__preview/token`, { method: 'POST', body: JSON.stringify({ id, secret }) });
      return res.ok ? ((await res.json()) as { path: string }) : undefined;
    },
    60_000,
  );
  return { id, story, url: `${base}${answer.path}` };
}
