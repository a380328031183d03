/**
 * Benchmark of the lake's history log on a real dataset: what each transaction's history line costs (time and
 * bytes), the index's memory, and how long the Studio's history requests and reopening the log take. Prints
 * numbers; asserts nothing.
 *
 *   node scripts/bench-history.ts --data <dataset.ndjson> [--stories 200]
 */
import { copyFile, mkdtemp, open, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { join } from 'node:path';
import { HistoryLog, type LoggedTransaction } from '../lake/history.ts';
import { effectOf } from '../lake/mendoza.ts';
import { startLake } from '../lake/server.ts';
import { DatasetStore } from '../lake/store.ts';
import { cliArgs } from './lib/args.ts';
import { latencyLine } from './lib/bench-report.ts';
import { lakeClient } from './lib/lake-client.ts';

const summary = (label: string, samples: number[], unit = 'ms') =>
  latencyLine(label, samples, { width: 40, digits: unit === 'ms' ? 3 : 0, unit });

const HELP = `Usage: node scripts/bench-history.ts --data <dataset.ndjson> [--stories 200]

Copies the dataset, starts the lake on the copy, and edits --stories published stories as the Studio does (a draft,
five headline edits, a publish: seven transactions each). Prints the history append time and bytes per
transaction, the heap the history index takes, the Studio's history requests, and the time to reopen the log.`;
const { values } = cliArgs(
  {
    options: {
      data: { type: 'string' },
      stories: { type: 'string', default: '200' },
      help: { type: 'boolean' },
    },
  },
  HELP,
);
if (values.data === undefined) throw new Error('--data <dataset.ndjson> is required');
const storyCount = Number(values.stories);
// A garbage collection before each heap reading (the lake's query workers refuse --expose-gc on the command line).
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

function heapMiB(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed / 1024 / 1024;
}

const dir = await mkdtemp(join(tmpdir(), 'lake-bench-history-'));
try {
  const dataFile = join(dir, 'data.ndjson');
  await copyFile(values.data, dataFile);
  console.log(`dataset: ${values.data} (${((await stat(dataFile)).size / 1024 / 1024).toFixed(1)} MiB)`);
  const lake = await startLake({ dataFile, tokens: { 'bench-editor-token': { role: 'editor', name: 'Bench' } } });
  const client = lakeClient(lake.url, 'bench-editor-token');
  const ids = await client.fetch<string[]>('*[_type == "story" && !(_id in path("drafts.**"))][0...$n]._id', {
    n: storyCount,
  });
  const commits: number[] = [];
  const timed = async (work: () => Promise<unknown>) => {
    const started = performance.now();
    await work();
    commits.push(performance.now() - started);
  };
  for (const id of ids) {
    const published = await client.getDocument(id);
    if (published === undefined) continue;
    const { _rev: _ignored, ...fields } = published;
    await timed(() =>
      client.action({
        actionType: 'sanity.action.document.create',
        publishedId: id,
        attributes: { ...fields, _id: `drafts.${id}` },
        ifExists: 'ignore',
      }),
    );
    for (let edit = 1; edit <= 5; edit += 1) {
      await timed(() =>
        client.action({
          actionType: 'sanity.action.document.edit',
          draftId: `drafts.${id}`,
          publishedId: id,
          patch: { set: { title: `${String(published['title'])} (edit ${edit})` } },
        }),
      );
    }
    await timed(() =>
      client.action({ actionType: 'sanity.action.document.publish', draftId: `drafts.${id}`, publishedId: id }),
    );
  }
  console.log(summary('action round trip (commit, history included)', commits));

  // The Studio's requests when a story opens (first page of its pair's history) and on Restore.
  const headers = { authorization: 'Bearer bench-editor-token' };
  const pages: number[] = [];
  const revisions: number[] = [];
  for (const id of ids.slice(0, 50)) {
    let begun = performance.now();
    const text = await (
      await fetch(
        `${lake.url}/v2025-02-19/data/history/production/transactions/${id},drafts.${id}?effectFormat=mendoza&excludeContent=true&excludeMutations=true&includeIdentifiedDocumentsOnly=true&reverse=true&limit=50`,
        { headers },
      )
    ).text();
    pages.push(performance.now() - begun);
    const oldest = text.trim().split('\n').at(-1);
    const rev = oldest === undefined ? 'seed' : (JSON.parse(oldest) as { id: string }).id;
    begun = performance.now();
    await (
      await fetch(`${lake.url}/v2025-02-19/data/history/production/documents/${id},drafts.${id}?revision=${rev}`, {
        headers,
      })
    ).text();
    revisions.push(performance.now() - begun);
  }
  console.log(summary('GET transactions (pair, Studio page)', pages));
  console.log(summary('GET documents?revision=<oldest>', revisions));

  await lake.close();

  // Reopening: the snapshot, then the log scanned and indexed.
  let started = performance.now();
  const store = await DatasetStore.open('production', dataFile, false);
  if (store === undefined) throw new Error(`${dataFile} is gone`);
  console.log(`reopening the dataset and its log: ${(performance.now() - started).toFixed(0)} ms`);
  const { bytes } = store.history.stats;
  const lines = commits.length;
  console.log(
    `history file: ${(bytes / 1024 / 1024).toFixed(2)} MiB for ${lines} transactions, ${(bytes / lines).toFixed(0)} bytes per line on average`,
  );
  // The append alone, as a commit makes it: a headline edit of each stored story (its effect worked out first).
  const effects: number[] = [];
  const appends: number[] = [];
  const edited = new Map<string, string>();
  let edit = 0;
  for (const target of [...store.all()].filter((doc) => doc._type === 'story')) {
    edit += 1;
    const after = { ...target, title: `Edit ${edit}`, _rev: `bench-${edit}` };
    const change = { id: target._id, before: target, after };
    started = performance.now();
    const effect = new Map([[target._id, effectOf(change)]]);
    effects.push(performance.now() - started);
    const transaction: LoggedTransaction = {
      transactionId: `bench-${edit}`,
      timestamp: new Date().toISOString(),
      identity: 'lake-bench',
      changes: [change],
      effects: effect,
      mutationsById: new Map([[target._id, [{ patch: { id: target._id, set: { title: `Edit ${edit}` } } }]]]),
    };
    started = performance.now();
    await store.history.append(transaction);
    appends.push(performance.now() - started);
    edited.set(target._id, transaction.transactionId);
  }
  console.log(summary('effect of a headline edit (per field)', effects));
  console.log(summary('history append of that transaction', appends));
  // The index alone: a second log over the same file, measured on the heap.
  const heapBefore = heapMiB();
  started = performance.now();
  // (The edits above were logged only, not applied: the log is checked against the revisions it ends with.)
  const index = await HistoryLog.open(store.history.file, (id) => {
    const doc = store.get(id);
    const rev = edited.get(id);
    return doc === undefined || rev === undefined ? doc : { ...doc, _rev: rev };
  });
  const scanMs = performance.now() - started;
  const heapAfter = heapMiB();
  const { documents, bytes: logBytes } = index.stats;
  console.log(
    `index of ${documents} documents, ${lines + appends.length} lines (${(logBytes / 1024 / 1024).toFixed(1)} MiB): ${(heapAfter - heapBefore).toFixed(2)} MiB of heap, ${(((heapAfter - heapBefore) * 1024 * 1024) / documents).toFixed(0)} bytes per document; scanned in ${scanMs.toFixed(0)} ms`,
  );
  await index.close();
  await store.close();

  // The index at the archive's size: 100,000 stories and their drafts, three small lines each, written directly
  // (each a delete, so that no document is missing from a log that has no dataset beside it).
  const synthetic = join(dir, 'synthetic.history');
  const handle = await open(synthetic, 'w');
  let line = 0;
  for (let round = 0; round < 3; round += 1) {
    const batch: string[] = [];
    for (let story = 0; story < 100_000; story += 1) {
      for (const id of [`story-${story}`, `drafts.story-${story}`]) {
        line += 1;
        batch.push(
          `${JSON.stringify({ id: `tx-${line}`, timestamp: '2026-01-01T00:00:00Z', author: '', documentIDs: [id], deletedIDs: [id], effects: {}, mutations: [] })}\n`,
        );
      }
    }
    await handle.write(batch.join(''));
  }
  await handle.close();
  const heapEmpty = heapMiB();
  started = performance.now();
  const big = await HistoryLog.open(synthetic, () => undefined);
  const bigScanMs = performance.now() - started;
  const heapFull = heapMiB();
  console.log(
    `index of ${big.stats.documents} documents x 3 lines (synthetic): ${(heapFull - heapEmpty).toFixed(1)} MiB of heap; scanned in ${bigScanMs.toFixed(0)} ms`,
  );
  await big.close();
} finally {
  await rm(dir, { recursive: true, force: true });
}
