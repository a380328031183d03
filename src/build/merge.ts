/** Putting rendered folders together: the pages of several render processes or CI shards into one site. */
import { access, copyFile, mkdir, readdir, readFile, rename, rm, rmdir } from 'node:fs/promises';
import path from 'node:path';
import { pageFile } from '../lib/site/pages.ts';

/**
 * Moves (or copies) every file of the `from` folders into `to`, replacing what is there. A file that more than one
 * folder holds (the pages every build renders, the stylesheet, public/) must be the same in each: otherwise the
 * folders were rendered from different content or code, and merging them would give a site no build would.
 * Moving, a folder that `to` lacks is moved whole (one rename for a story's folder, not a folder and a file).
 */
export async function mergeFolders(from: readonly string[], to: string, how: 'move' | 'copy'): Promise<void> {
  // What this merge placed (a file, or a folder moved whole), by path within `to`, and which folder it came from.
  const placed = new Map<string, string>();
  // A file is there from an earlier folder when it was placed itself, or lies in a folder moved whole (which `to`
  // did not have before).
  const placedBefore = async (file: string, target: string): Promise<string | undefined> => {
    const itself = placed.get(file);
    if (itself !== undefined) return itself;
    for (let p = path.dirname(file); p !== '.' && p !== ''; p = path.dirname(p)) {
      const dir = placed.get(p);
      if (dir !== undefined)
        return (await access(target).then(
          () => true,
          () => false,
        ))
          ? dir
          : undefined;
    }
    return undefined;
  };
  const merge = async (dir: string, sub: string): Promise<void> => {
    const entries = await readdir(path.join(dir, sub), { withFileTypes: true });
    await Promise.all(
      entries.map(async (entry) => {
        const file = path.join(sub, entry.name);
        const source = path.join(dir, file);
        const target = path.join(to, file);
        if (entry.isDirectory()) {
          if (
            how === 'move' &&
            (await rename(source, target).then(
              () => true,
              () => false,
            ))
          )
            placed.set(file, dir);
          else {
            await mkdir(target, { recursive: true });
            await merge(dir, file);
          }
          return;
        }
        if (!entry.isFile()) return;
        const earlier = await placedBefore(file, target);
        if (earlier !== undefined) {
          if (!(await readFile(source)).equals(await readFile(target))) {
            throw new Error(
              `${file} differs between ${earlier} and ${dir}: the folders were rendered from different content or code; render them again from the same`,
            );
          }
          return;
        }
        placed.set(file, dir);
        await (how === 'move' ? rename(source, target) : copyFile(source, target));
      }),
    );
  };
  await mkdir(to, { recursive: true });
  for (const dir of from) await merge(dir, '');
}

/** Removes pages' files, and their folders when that leaves them empty (/news/<slug>/). */
export async function removePages(dir: string, pages: Iterable<string>): Promise<void> {
  for (const page of pages) {
    const file = path.join(dir, pageFile(page));
    await rm(file, { force: true });
    if (file.endsWith(`${path.sep}index.html`)) await rmdir(path.dirname(file)).catch(() => undefined);
  }
}
