import { readdir, readlink, realpath } from 'node:fs/promises';
import path from 'node:path';

/** A symbolic link under the public folder that a build must not follow. */
export interface UnsafeLink {
  /** The link, relative to the current directory (`public/images/x.svg`). */
  file: string;
  /** What it points at, as written in the link. */
  target: string;
  problem: string;
}

/**
 * The symbolic links under `dir` that lead out of it, or nowhere. The build copies `public/` into the site
 * following links, so a link to /etc/passwd or to the project's secrets would be published.
 */
export async function unsafeLinks(dir: string): Promise<UnsafeLink[]> {
  const root = await realpath(dir).catch(() => undefined);
  if (!root) return [];
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  const found: UnsafeLink[] = [];
  for (const entry of entries
    .filter((e) => e.isSymbolicLink())
    .sort((a, b) => path.join(a.parentPath, a.name).localeCompare(path.join(b.parentPath, b.name)))) {
    const link = path.join(entry.parentPath, entry.name);
    const file = path.relative(process.cwd(), path.join(dir, path.relative(root, link)));
    const target = await readlink(link);
    const real = await realpath(link).catch(() => undefined);
    if (!real) found.push({ file, target, problem: 'points at nothing' });
    else if (real !== root && !real.startsWith(root + path.sep))
      found.push({
        file,
        target,
        problem: `leads out of ${path.relative(process.cwd(), dir) || dir}/ (to ${real}), and the build would publish that file`,
      });
  }
  return found;
}
