/**
 * Benchmark of the lake at 10,000 documents: start-up, single-mutation latency (journal append + fsync), query
 * latency and snapshot rewrite. Prints numbers; asserts nothing.
 *
 *   node scripts/bench-lake.ts [--docs 10000] [--writes 200]
 */
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLake } from '../lake/server.ts';
import { cliArgs } from './lib/args.ts';
import { latencyLine } from './lib/bench-report.ts';
import { lakeClient } from './lib/lake-client.ts';

const HELP = `Usage: node scripts/bench-lake.ts [--docs 10000] [--writes 200]

Times the lake on a dataset of --docs stories: start-up, --writes single mutations (journal append + fsync),
queries and a snapshot rewrite. Prints numbers; asserts nothing.`;
const { values } = cliArgs(
  {
    options: {
      docs: { type: 'string', default: '10000' },
      writes: { type: 'string', default: '200' },
      help: { type: 'boolean' },
    },
  },
  HELP,
);
const docCount = Number(values.docs);
const writeCount = Number(values.writes);

function story(index: number): Record<string, unknown> {
  return {
    _id: `story-${String(index).padStart(5, '0')}`,
    _type: 'story',
    _rev: 'seed',
    _createdAt: '2024-01-01T00:00:00Z',
    _updatedAt: '2024-01-01T00:00:00Z',
    title: `Story number ${index}`,
    slug: { _type: 'slug', current: `story-number-${index}` },
    publishedAt: new Date(Date.UTC(2024, 0, 1) + index * 60_000).toISOString(),
    section: { _type: 'reference', _ref: `section-${index % 8}` },
    tags: Array.from({ length: 4 }, (_, tag) => ({
      _key: `t${tag}`,
      _type: 'reference',
      _ref: `tag-${(index + tag) % 50}`,
    })),
    body: Array.from({ length: 4 }, (_, block) => ({
      _key: `b${block}`,
      _type: 'block',
      style: 'normal',
      markDefs: [],
      children: [
        {
          _key: `s${block}`,
          _type: 'span',
          marks: [],
          text: 'Lorem ipsum dolor sit amet, consectetur adipiscing elit. '.repeat(3),
        },
      ],
    })),
  };
}

const dir = await mkdtemp(join(tmpdir(), 'lake-bench-'));
try {
  const dataFile = join(dir, 'data.ndjson');
  const sections = Array.from({ length: 8 }, (_, index) => ({
    _id: `section-${index}`,
    _type: 'section',
    title: `Section ${index}`,
  }));
  await writeFile(
    dataFile,
    [...Array.from({ length: docCount }, (_, index) => story(index)), ...sections]
      .map((doc) => `${JSON.stringify(doc)}\n`)
      .join(''),
  );
  const size = (await stat(dataFile)).size;
  let started = performance.now();
  const lake = await startLake({ dataFile, tokens: { 'bench-editor-token': { role: 'editor' } } });
  console.log(
    `start-up with ${docCount} documents (${(size / 1024 / 1024).toFixed(1)} MiB): ${(performance.now() - started).toFixed(0)} ms`,
  );
  const client = lakeClient(lake.url, 'bench-editor-token');

  const patches: number[] = [];
  for (let index = 0; index < writeCount; index += 1) {
    started = performance.now();
    await client
      .patch(`story-${String(index % docCount).padStart(5, '0')}`)
      .set({ title: `Edited ${index}` })
      .commit({ returnDocuments: false });
    patches.push(performance.now() - started);
  }
  console.log(latencyLine('patch (one document, sequential)', patches));

  const creates: number[] = [];
  for (let index = 0; index < writeCount; index += 1) {
    started = performance.now();
    await client.create({ _type: 'story', title: `New ${index}` }, { returnDocuments: false });
    creates.push(performance.now() - started);
  }
  console.log(latencyLine('create (sequential)', creates));

  started = performance.now();
  await Promise.all(
    Array.from({ length: 50 }, (_, index) =>
      client
        .patch('story-00000')
        .inc({ counter: 1 })
        .commit({ returnDocuments: false })
        .then(() => index),
    ),
  );
  console.log(`50 concurrent patches of one document: ${(performance.now() - started).toFixed(0)} ms in total`);

  const queries: [string, string, Record<string, unknown>][] = [
    [
      'query: latest 20 of all stories',
      '*[_type == "story" && defined(slug.current)] | order(publishedAt desc)[0...20]{title, "slug": slug.current}',
      {},
    ],
    ['query: one story by slug', '*[_type == "story" && slug.current == $slug][0]{title}', { slug: 'story-number-42' }],
    ['query: one document by _id', '*[_id == $id][0]{title}', { id: 'story-00042' }],
    ['query: the 8 sections', '*[_type == "section"] | order(title asc){title}', {}],
  ];
  for (const [label, query, params] of queries) {
    const samples: number[] = [];
    for (let index = 0; index < 30; index += 1) {
      started = performance.now();
      await client.fetch(query, params);
      samples.push(performance.now() - started);
    }
    console.log(latencyLine(label, samples));
  }

  started = performance.now();
  await lake.close();
  console.log(
    `close (snapshot rewrite of ${docCount + writeCount} documents): ${(performance.now() - started).toFixed(0)} ms`,
  );
} finally {
  await rm(dir, { recursive: true, force: true });
}
