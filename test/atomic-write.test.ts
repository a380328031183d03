import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { syncDir, writeFileAtomic, writeFileAtomicInParts } from '../src/lib/atomic-write.ts';

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
    // The error is the open's own, not one from cleaning up a temporary file that was never made.
    await expect(writeFileAtomic(path.join(dir, 'missing', 'file'), 'x')).rejects.toMatchObject({
      code: 'ENOENT',
      syscall: 'open',
    });
    expect(await readdir(dir)).toEqual([]);
  });

  test('the mode is set as asked, bits the umask would clear included', async () => {
    const file = path.join(dir, 'shared');
    await writeFileAtomic(file, 'x', { mode: 0o666 });
    expect((await stat(file)).mode & 0o777).toBe(0o666);
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

  test('parts are gathered until 64 KiB, then written at once', async () => {
    const file = path.join(dir, 'parts');
    const written = async () => {
      const [temporary] = (await readdir(dir)).filter((name) => name.startsWith('parts.tmp-'));
      return (await stat(path.join(dir, temporary ?? 'missing'))).size;
    };
    const sizes: number[] = [];
    await writeFileAtomicInParts(file, async (write) => {
      await write('a'.repeat(1000));
      sizes.push(await written());
      await write('b'.repeat(65_536 - 1000));
      sizes.push(await written());
      await write('c');
      sizes.push(await written());
    });
    expect(sizes).toEqual([0, 65_536, 65_536]);
    expect((await stat(file)).size).toBe(65_537);
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

// Linux lists a process's open files in /proc/self/fd: a write must leave the count as it found it.
test.skipIf(!existsSync('/proc/self/fd'))('every file handle opened is closed, the folder sync included', async () => {
  const open = () => readdirSync('/proc/self/fd').length;
  await writeFileAtomic(path.join(dir, 'warm-up'), 'x');
  const before = open();
  await writeFileAtomic(path.join(dir, 'a'), 'x');
  await writeFileAtomicInParts(path.join(dir, 'b'), (write) => write('y'));
  await syncDir(dir);
  expect(open()).toBe(before);
});
