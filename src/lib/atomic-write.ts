/**
 * Atomic file writes: a temporary file beside the target is written, fsynced, renamed over the target, and the
 * folder fsynced, so that a reader (or a start after a crash) sees the old file or the new one, never half of one.
 * The temporary file is removed when anything fails. Folders swapped by rename are not files: these are for files.
 */
import { randomBytes } from 'node:crypto';
import { open, rename, rm, type FileHandle } from 'node:fs/promises';
import path from 'node:path';

/** How a file is written: `mode` (such as 0o600 for secrets) is set on the file whatever the umask. */
export interface AtomicWriteOptions {
  mode?: number;
  /**
   * `false`: no fsync (the file is still replaced whole, by a rename): for scratch files that a crash makes useless
   * anyway, such as render plans, which reach gigabytes at 100,000 stories.
   */
  durable?: boolean;
}

/** Writes `data` to `file` atomically (see the module's comment). */
export async function writeFileAtomic(
  file: string,
  data: string | Uint8Array,
  options: AtomicWriteOptions = {},
): Promise<void> {
  await writeAtomic(file, options, (handle) => handle.writeFile(data));
}

/**
 * Writes `file` atomically from parts handed to `write` by `fill` (a file too large for one string, written a line
 * or a batch at a time); the parts are gathered into larger writes.
 */
export async function writeFileAtomicInParts(
  file: string,
  fill: (write: (text: string) => Promise<void>) => Promise<void>,
  options: AtomicWriteOptions = {},
): Promise<void> {
  await writeAtomic(file, options, async (handle) => {
    let pending = '';
    await fill(async (text) => {
      pending += text;
      if (pending.length >= PART_CHARS) {
        const part = pending;
        pending = '';
        await handle.writeFile(part);
      }
    });
    // Stryker disable next-line ConditionalExpression,EqualityOperator: writing an empty string changes nothing
    if (pending.length > 0) await handle.writeFile(pending);
  });
}

/**
 * Characters gathered before one write to the file: a write a line would be a system call a line, and a writer that
 * hands over large batches (the lake's snapshot) still has each batch written, and the event loop turned, at once.
 */
const PART_CHARS = 1 << 16;

async function writeAtomic(
  file: string,
  options: AtomicWriteOptions,
  write: (handle: FileHandle) => Promise<void>,
): Promise<void> {
  // A fresh name each time (and `wx`), so that two writers, or a temporary file left by a crash, never share one.
  const temporary = `${file}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    const handle = await open(temporary, 'wx', options.mode);
    try {
      if (options.mode !== undefined) await handle.chmod(options.mode);
      // A file handle's writeFile writes from where the last write ended, so parts follow one another.
      await write(handle);
      // Stryker disable next-line ConditionalExpression,EqualityOperator,BooleanLiteral: an fsync shows only after a crash
      if (options.durable !== false) await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, file);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
  // Stryker disable next-line ConditionalExpression,EqualityOperator,BooleanLiteral: an fsync shows only after a crash
  if (options.durable !== false) await syncDir(path.dirname(file));
}

/** Makes a rename in `dir` durable. */
// Stryker disable next-line BlockStatement: an fsync shows only after a crash
export async function syncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  // Stryker disable next-line BlockStatement: an fsync shows only after a crash
  try {
    await handle.sync();
  } catch {
    // Some file systems refuse fsync on a directory; the rename itself is still atomic there.
  } finally {
    await handle.close();
  }
}
