import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterEach, beforeEach, expect, test } from 'vitest';
import { startLake, tokenForRole } from '../../lake/server.ts';

// What the Studio writes (actions, uploads) to a lake in TLS mode survives `kill -9` once acknowledged.

const root = join(import.meta.dirname, '..', '..');
let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lake-crash-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

test('a published story and its uploaded image survive SIGKILL of a TLS lake, and the certificate is kept', async () => {
  const dataFile = join(dir, 'data.ndjson');
  const program = `const { startLake } = await import(${JSON.stringify(join(root, 'lake/server.ts'))});
const lake = await startLake({ dataFile: ${JSON.stringify(dataFile)}, tls: true });
console.log('READY ' + lake.httpUrl);`;
  const child = spawn(join(root, 'node_modules', '.bin', 'node'), ['--input-type=module', '-e', program], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let assetUrl: string;
  let editor: string;
  try {
    const url = await new Promise<string>((resolve, reject) => {
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        const match = /READY (\S+)/.exec(output);
        if (match?.[1] !== undefined) resolve(match[1]);
      });
      child.stderr.on('data', (chunk: Buffer) => reject(new Error(chunk.toString())));
      child.on('exit', (code) => reject(new Error(`lake exited with ${code}: ${output}`)));
    });
    // The child made the data folder's tokens on its first start; the restarted lake below reads the same file.
    editor =
      tokenForRole(
        JSON.parse(await readFile(join(dir, 'tokens.json'), 'utf8')) as Record<string, { role: 'editor' }>,
        'editor',
      ) ?? '';
    const headers = { authorization: `Bearer ${editor}`, 'content-type': 'application/json' };
    const png = await sharp({ create: { width: 40, height: 20, channels: 3, background: '#c33' } })
      .png()
      .toBuffer();
    const upload = await fetch(`${url}/v2025-02-19/assets/images/production?filename=red.png`, {
      method: 'POST',
      headers: { authorization: `Bearer ${editor}` },
      body: png,
    });
    const asset = ((await upload.json()) as { document: { _id: string; url: string } }).document;
    assetUrl = asset.url;
    const actions = [
      {
        actionType: 'sanity.action.document.create',
        publishedId: 's1',
        attributes: {
          _id: 'drafts.s1',
          _type: 'story',
          title: 'Survives',
          mainImage: { _type: 'image', asset: { _type: 'reference', _ref: asset._id } },
        },
        ifExists: 'fail',
      },
      { actionType: 'sanity.action.document.publish', draftId: 'drafts.s1', publishedId: 's1' },
    ];
    const published = await fetch(`${url}/v2025-02-19/data/actions/production`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ actions, transactionId: 'tx-survives' }),
    });
    expect(published.status).toBe(200);
  } finally {
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));
  }
  const certificate = await readFile(join(dir, 'tls', 'localhost-cert.pem'), 'utf8');
  const lake = await startLake({ dataFile, tls: true });
  try {
    const body = (await (
      await fetch(`${lake.httpUrl}/v2025-02-19/data/doc/production/s1,drafts.s1`, {
        headers: { authorization: `Bearer ${editor}` },
      })
    ).json()) as { documents: Record<string, unknown>[] };
    expect(body.documents).toEqual([expect.objectContaining({ _id: 's1', title: 'Survives', _rev: 'tx-survives' })]);
    // Asset URLs name https://localhost:<port>; the same path is served on the restarted lake.
    const image = await fetch(`${lake.httpUrl}${new URL(assetUrl).pathname}?w=20&fm=webp`);
    expect(image.headers.get('content-type')).toBe('image/webp');
    expect((await sharp(Buffer.from(await image.arrayBuffer())).metadata()).width).toBe(20);
    expect(await readFile(lake.certFile ?? '', 'utf8')).toBe(certificate);
  } finally {
    await lake.close();
  }
});
