/**
 * What the last build of an output folder holds: the key of every page (see src/lib/site/pages.ts) and a digest of the
 * code that rendered them. A build compares the new keys with these and renders only the pages whose key changed;
 * when the code changed, every page. Kept in the cache folder (never in the site), one `key<TAB>path` line per page,
 * written and read a line at a time.
 */
import { createHash } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { writeFileAtomicInParts } from '../lib/atomic-write.ts';

/** Files and folders whose content changes what a page looks like for the same data. */
const CODE = ['src', 'public', 'astro.config.mjs', 'package-lock.json', 'tsconfig.json'];
/** Environment variables that change the output (canonical URLs, feeds; the zone dates print in; share images). */
const CODE_ENV = ['SITE_URL', 'NEWS_TIME_ZONE', 'NEWS_SHARE_CARD_DAYS', 'NEWS_SHARE_CARD_STORIES'];

/** A digest of everything besides the content that shapes the output: the code, the config, the packages. */
export async function codeDigest(root: string, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const hash = createHash('sha256');
  for (const name of CODE_ENV) hash.update(`${name}=${env[name] ?? ''}\0`);
  for (const entry of CODE) {
    const full = path.join(root, entry);
    if (!existsSync(full)) continue;
    const files = entry.includes('.')
      ? [entry]
      : (await readdir(full, { recursive: true, withFileTypes: true }))
          .filter((d) => d.isFile())
          .map((d) => path.relative(root, path.join(d.parentPath, d.name)));
    for (const file of files.sort())
      hash
        .update(`${file}\0`)
        .update(await readFile(path.join(root, file)))
        .update('\0');
  }
  return hash.digest('base64url');
}

/**
 * A fingerprint of a content folder from its files' names, sizes, modification times and inodes, without reading
 * them: when it matches the last build's, and the code does too, nothing can have changed (short of a scheduled
 * story falling due, which the manifest also records).
 */
export async function contentFingerprint(dir: string): Promise<string> {
  const hash = createHash('sha256');
  const entries = (await readdir(dir, { recursive: true, withFileTypes: true }))
    .filter((d) => d.isFile())
    .map((d) => path.join(d.parentPath, d.name))
    .sort();
  const stats = await Promise.all(entries.map((file) => stat(file)));
  entries.forEach((file, i) => {
    const s = stats[i];
    hash.update(`${path.relative(dir, file)}\0${s?.size}\0${s?.mtimeMs}\0${s?.ino}\n`);
  });
  return hash.digest('base64url');
}

/** The first line of a manifest: the code and content it was built from, and when it goes stale on its own. */
export interface ManifestHeader {
  code: string;
  /** The content fingerprint (files only; Sanity content has none). */
  content?: string | undefined;
  /** When the next scheduled story goes live. */
  nextChange?: string | undefined;
}

const HEADER = '# newsdesk pages';

/** The manifest file of an output folder. */
export function manifestFile(cacheDir: string, outDir: string): string {
  return path.join(
    cacheDir,
    'builds',
    `${createHash('sha256').update(path.resolve(outDir)).digest('hex').slice(0, 16)}.tsv`,
  );
}

/** The header of the manifest, if there is one. */
export async function readManifestHeader(file: string): Promise<ManifestHeader | undefined> {
  if (!existsSync(file)) return undefined;
  for await (const line of createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Infinity }))
    return parseHeader(line);
  return undefined;
}

function parseHeader(line: string): ManifestHeader | undefined {
  const [code, content, nextChange] = line.startsWith(`${HEADER} `) ? line.slice(HEADER.length + 1).split(' ') : [];
  if (!code) return undefined;
  return {
    code,
    content: content === '-' ? undefined : content,
    nextChange: nextChange === '-' ? undefined : nextChange,
  };
}

/** The page keys of the last build of `outDir` by the same code, or nothing (build everything). */
export async function readManifest(file: string, code: string): Promise<Map<string, string> | undefined> {
  if (!existsSync(file)) return undefined;
  const keys = new Map<string, string>();
  let first = true;
  for await (const line of createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Infinity })) {
    if (first) {
      if (parseHeader(line)?.code !== code) return undefined;
      first = false;
      continue;
    }
    const tab = line.indexOf('\t');
    if (tab > 0) keys.set(line.slice(tab + 1), line.slice(0, tab));
  }
  return first ? undefined : keys;
}

/** Records the page keys of a finished build (written beside, then renamed). */
export async function writeManifest(
  file: string,
  header: ManifestHeader,
  keys: Iterable<[string, string]>,
): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFileAtomicInParts(file, async (write) => {
    await write(`${HEADER} ${header.code} ${header.content ?? '-'} ${header.nextChange ?? '-'}\n`);
    for (const [page, key] of keys) await write(`${key}\t${page}\n`);
  });
}

/** Forgets the last build of an output folder (before changing it: a build that stops halfway leaves it unknown). */
export async function forgetManifest(file: string): Promise<void> {
  await rm(file, { force: true });
}
