import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { startLake } from '../../lake/server.ts';
import { failure, startTestLake, TOKENS, type TestLake } from './lake-harness.ts';

let t: TestLake;
beforeEach(async () => {
  t = await startTestLake();
});
afterEach(async () => {
  await t.close();
});

const root = join(import.meta.dirname, '..', '..');

describe('persistence', () => {
  test('documents survive a restart, and the data file is an NDJSON export sorted by _id', async () => {
    const client = t.client();
    await client
      .transaction()
      .create({ _id: 'b', _type: 'story', n: 2 })
      .create({ _id: 'a', _type: 'story', n: 1 })
      .create({ _id: 'drafts.a', _type: 'story', n: 3 })
      .commit();
    await client.delete('b');
    await t.restart();
    expect(await t.client().fetch('*[]{_id, n}', {}, { perspective: 'raw' })).toEqual([
      { _id: 'a', n: 1 },
      { _id: 'drafts.a', n: 3 },
    ]);
    const lines = (await readFile(t.dataFile, 'utf8')).trim().split('\n');
    expect(lines.map((line) => (JSON.parse(line) as { _id: string })._id)).toEqual(['a', 'drafts.a']);
    expect(existsSync(`${t.dataFile}.journal`)).toBe(false);
  });

  test('an acknowledged write survives a crash (SIGKILL) before the snapshot is rewritten', async () => {
    const dataFile = join(t.dir, 'crash.ndjson');
    const child = spawn(
      join(root, 'node_modules', '.bin', 'node'),
      ['scripts/lake.ts', '--port', '0', '--data', dataFile],
      {
        cwd: root,
        env: { ...process.env, LAKE_TOKENS: JSON.stringify({ [TOKENS.editor]: { role: 'editor' } }) },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let output = '';
        child.stdout.on('data', (chunk: Buffer) => {
          output += chunk.toString();
          const match = / at (http:\/\/\S+) /.exec(output);
          if (match?.[1] !== undefined) resolve(match[1]);
        });
        child.stderr.on('data', (chunk: Buffer) => reject(new Error(chunk.toString())));
        child.on('exit', (code) => reject(new Error(`lake exited with ${code}: ${output}`)));
      });
      const response = await fetch(`${url}/v2025-02-19/data/mutate/production?returnIds=true`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TOKENS.editor}` },
        body: JSON.stringify({ mutations: [{ create: { _id: 'survivor', _type: 'story' } }] }),
      });
      expect(response.status).toBe(200);
    } finally {
      child.kill('SIGKILL');
      await new Promise((resolve) => child.once('exit', resolve));
    }
    // The write is only in the journal: the snapshot is rewritten after a second of quiet, which never came.
    expect((await readFile(`${dataFile}.journal`, 'utf8')).trim().split('\n')).toHaveLength(1);
    const lake = await startLake({ dataFile });
    try {
      const body = (await (await fetch(`${lake.url}/v2025-02-19/data/doc/production/survivor`)).json()) as {
        documents: { _id: string }[];
      };
      expect(body.documents.map((doc) => doc._id)).toEqual(['survivor']);
    } finally {
      await lake.close();
    }
  });

  test('a Sanity dataset export loads as is, references and all', async () => {
    const exportFile = join(t.dir, 'export.ndjson');
    const exported = [
      {
        _id: 'author-ada',
        _type: 'author',
        _rev: 'r1',
        _createdAt: '2024-01-01T00:00:00Z',
        _updatedAt: '2024-01-01T00:00:00Z',
        name: 'Ada',
      },
      {
        _id: 'story-1',
        _type: 'story',
        _rev: 'r2',
        _createdAt: '2024-01-02T00:00:00Z',
        _updatedAt: '2024-01-03T00:00:00Z',
        title: 'Launch',
        author: { _type: 'reference', _ref: 'author-ada' },
        body: [
          {
            _key: 'k1',
            _type: 'block',
            children: [{ _key: 's1', _type: 'span', text: 'Hi', marks: [] }],
            markDefs: [],
            style: 'normal',
          },
        ],
      },
      {
        _id: 'drafts.story-1',
        _type: 'story',
        _rev: 'r3',
        _createdAt: '2024-01-02T00:00:00Z',
        _updatedAt: '2024-01-04T00:00:00Z',
        title: 'Launch (edited)',
      },
      {
        _id: 'image-abc-200x100-png',
        _type: 'sanity.imageAsset',
        _rev: 'r4',
        url: 'https://cdn.sanity.io/images/p/d/abc-200x100.png',
        metadata: { dimensions: { width: 200, height: 100 } },
      },
      { _id: '_.groups.public', _type: 'system.group', _rev: 'r5', grants: [] },
    ];
    await writeFile(exportFile, `${exported.map((doc) => JSON.stringify(doc)).join('\n')}\n`);
    const lake = await startLake({ dataFile: exportFile });
    try {
      const response = await fetch(
        `${lake.url}/v2025-02-19/data/query/production?query=${encodeURIComponent('*[_type == "story"]{title, "author": author->name}')}`,
      );
      expect(((await response.json()) as { result: unknown }).result).toEqual([{ title: 'Launch', author: 'Ada' }]);
    } finally {
      await lake.close();
    }
    expect((await readFile(exportFile, 'utf8')).trim().split('\n')).toHaveLength(exported.length);
  });

  test('a corrupt data file stops the start with the file, line and problem', async () => {
    const broken = join(t.dir, 'broken.ndjson');
    await writeFile(broken, '{"_id": "ok", "_type": "story"}\n{"_type": "no id"}\n');
    await expect(startLake({ dataFile: broken })).rejects.toThrow(
      `${broken}:2: expected a JSON object with a string "_id"`,
    );
    await writeFile(broken, '{"_id": "ok"}\n{not json\n');
    await expect(startLake({ dataFile: broken })).rejects.toThrow(`${broken}:2: expected one JSON document per line`);
  });
});

describe('concurrency', () => {
  test('50 concurrent writers incrementing one counter lose nothing', async () => {
    await t.client().create({ _id: 'counter', _type: 'counter', n: 0 });
    await Promise.all(Array.from({ length: 50 }, () => t.client().patch('counter').inc({ n: 1 }).commit()));
    expect((await t.client().getDocument('counter'))?.['n']).toBe(50);
  });

  test('concurrent first writes to a new dataset all land in one store', async () => {
    // An administrator's writes create a dataset (an editor's are refused; see queries.test.ts).
    const fresh = () => t.client(TOKENS.admin, '2025-02-19', 'fresh');
    await Promise.all(
      Array.from({ length: 20 }, (_, index) => fresh().create({ _id: `doc-${index}`, _type: 'story' })),
    );
    expect(await fresh().fetch('count(*)')).toBe(20);
    await t.restart();
    expect(await fresh().fetch('count(*)')).toBe(20);
  });

  test('read-modify-write writers with ifRevisionID retry on 409 and lose nothing', async () => {
    await t.client().create({ _id: 'counter', _type: 'counter', n: 0 });
    let conflicts = 0;
    const writer = async (): Promise<void> => {
      for (;;) {
        const client = t.client();
        const current = await client.getDocument('counter');
        if (current === undefined) throw new Error('counter vanished');
        const attempt = client
          .patch('counter')
          .ifRevisionId(current._rev)
          .set({ n: (current['n'] as number) + 1 })
          .commit();
        try {
          await attempt;
          return;
        } catch {
          const { statusCode } = await failure(attempt);
          if (statusCode !== 409) throw new Error(`unexpected status ${statusCode}`);
          conflicts += 1;
        }
      }
    };
    await Promise.all(Array.from({ length: 20 }, writer));
    expect((await t.client().getDocument('counter'))?.['n']).toBe(20);
    expect(conflicts).toBeGreaterThan(0);
  });
});
