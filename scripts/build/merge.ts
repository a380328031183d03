/** Putting rendered folders together: the pages of several render processes or CI shards into one site. */
import { copyFile, mkdir, readdir, readFile, rename, rm, rmdir } from 'node:fs/promises';
import path from 'node:path';
import { pageFile } from '../../src/lib/pages.ts';

/**
 * Moves (or copies) every file of the `from` folders into `to`, replacing what is there. A file that more than one
 * folder holds (the pages every build renders, the stylesheet, public/) must be the same in each: otherwise the
 * folders were rendered from different content or code, and merging them would give a site no build would.
 */
export async function mergeFolders(from: readonly string[], to: string, how: 'move' | 'copy'): Promise<number> {
  const placed = new Map<string, string>();
  for (const dir of from) {
    for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
      if (!entry.isFile()) continue;
      const source = path.join(entry.parentPath, entry.name);
      const file = path.relative(dir, source);
      const earlier = placed.get(file);
      if (earlier !== undefined) {
        if (!(await readFile(source)).equals(await readFile(path.join(to, file)))) {
          throw new Error(`${file} differs between ${earlier} and ${dir}: the folders were rendered from different content or code; render them again from the same`);
        }
        continue;
      }
      const target = path.join(to, file);
      await mkdir(path.dirname(target), { recursive: true });
      if (how === 'move') await rename(source, target);
      else await copyFile(source, target);
      placed.set(file, dir);
    }
  }
  return placed.size;
}

/** Removes pages' files, and their folders when that leaves them empty (/news/<slug>/). */
export async function removePages(dir: string, pages: Iterable<string>): Promise<void> {
  for (const page of pages) {
    const file = path.join(dir, pageFile(page));
    await rm(file, { force: true });
    if (file.endsWith(`${path.sep}index.html`)) await rmdir(path.dirname(file)).catch(() => undefined);
  }
}
