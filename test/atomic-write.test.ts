import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { writeFileAtomic, writeFileAtomicInParts } from '../src/lib/atomic-write.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'atomic-write-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('writeFileAtomic', () => {
  test('replaces the file, leaves no temporary file, and sets the mode asked for whatever the old file had', async () => {
    const file = path.join(dir, 'secret.json');
    await writeFile(file, 'old', { mode: 0o644 });
    await writeFileAtomic(file, 'new', { mode: 0o600 });
    expect(await readFile(file, 'utf8')).toBe('new');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(await readdir(dir)).toEqual(['secret.json']);
  });

  test('writes bytes as given', async () => {
    const file = path.join(dir, 'image.bin');
    await writeFileAtomic(file, Buffer.from([0, 255, 1]));
    expect([...(await readFile(file))]).toEqual([0, 255, 1]);
  });

  test('a folder that does not exist is an error, and nothing is left behind', async () => {
    await expect(writeFileAtomic(path.join(dir, 'missing', 'file'), 'x')).rejects.toThrow(/ENOENT/);
    expect(await readdir(dir)).toEqual([]);
  });
});

describe('writeFileAtomicInParts', () => {
  test('writes the parts in order, past the size gathered into one write', async () => {
    const file = path.join(dir, 'plan.ndjson');
    const lines = Array.from({ length: 20_000 }, (_, i) => `line ${i}\n`);
    await writeFileAtomicInParts(file, async (write) => {
      for (const line of lines) await write(line);
    });
    expect(await readFile(file, 'utf8')).toBe(lines.join(''));
    expect(await readdir(dir)).toEqual(['plan.ndjson']);
  });

  test('a writer that fails leaves the old file as it was and no temporary file', async () => {
    const file = path.join(dir, 'manifest');
    await writeFile(file, 'old');
    await expect(
      writeFileAtomicInParts(file, async (write) => {
        await write('half');
        throw new Error('stopped');
      }),
    ).rejects.toThrow('stopped');
    expect(await readFile(file, 'utf8')).toBe('old');
    expect(await readdir(dir)).toEqual(['manifest']);
  });
});
