/**
 * The Studio build cache: `sanity build` output kept in .sanity/dist with a stamp of its inputs, reused while they are
 * unchanged. The build names a placeholder API host, site and preview origin, which the Studio server replaces with
 * the running lake's, site's and preview server's URLs.
 */
import { stripVTControlCharacters } from 'node:util';
import { createHash } from 'node:crypto';
import { copyFile, mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { NODE, ROOT, run, seconds } from './processes.ts';

/**
 * The API host the cached Studio build is made with. The static server writes the running lake's URL in its place
 * in the files it serves, so one build serves a lake on any port (tests pick free ports; a rebuild takes ~30 s).
 */
export const STUDIO_API_HOST_PLACEHOLDER = 'https://lake-api-host-placeholder.localhost:1';
/** The site's public origin and the draft preview server's, replaced the same way ("Open on site", "Preview"). */
export const STUDIO_SITE_URL_PLACEHOLDER = 'http://site-url-placeholder.localhost:1';
export const STUDIO_PREVIEW_URL_PLACEHOLDER = 'http://preview-url-placeholder.localhost:1';

/**
 * The time zone the cached Studio build is made with: the Studio server writes the newsroom's zone (`NEWS_TIME_ZONE`)
 * in its place, so the Studio shows scheduled times in the zone the site prints them in, without a rebuild.
 */
export const STUDIO_TIME_ZONE_PLACEHOLDER = 'Newsroom/Time_Zone_Placeholder';

/** Where `sanity build` output is cached, with a stamp of what it was built from. */
const STUDIO_CACHE_DIR = path.join(ROOT, '.sanity', 'dist');
const STUDIO_CACHE_STAMP = path.join(ROOT, '.sanity', 'dist.json');

/**
 * Builds the Studio with `sanity build` into .sanity/dist, or reuses that build when its inputs are unchanged:
 * sanity.config.ts, sanity.cli.ts, schemas/, what they import from src/ (the model's rules, the date formats), the
 * project id and dataset, and the versions of the Studio packages.
 */
export async function buildStudio(options: {
  projectId: string;
  dataset: string;
  force?: boolean;
  log?: (line: string) => void;
}): Promise<{ dir: string; cached: boolean; ms: number }> {
  const log = options.log ?? (() => undefined);
  const started = performance.now();
  const key = await studioInputsKey(options.projectId, options.dataset);
  const stamp = await readFile(STUDIO_CACHE_STAMP, 'utf8').then(
    (text) => (JSON.parse(text) as { key?: unknown }).key,
    () => undefined,
  );
  const hasIndex = await stat(path.join(STUDIO_CACHE_DIR, 'index.html')).then(
    (info) => info.isFile(),
    () => false,
  );
  if (!options.force && stamp === key && hasIndex) {
    log(`studio: using the cached build in ${path.relative(ROOT, STUDIO_CACHE_DIR)} (sources unchanged)`);
    return { dir: STUDIO_CACHE_DIR, cached: true, ms: performance.now() - started };
  }
  log('studio: building with `sanity build` (about 30 s)…');
  // Built beside the cache and swapped in, so a build that fails or is interrupted leaves the old one usable.
  const temp = `${STUDIO_CACHE_DIR}.tmp-${process.pid}`;
  await mkdir(path.dirname(STUDIO_CACHE_DIR), { recursive: true });
  const sanityBin = path.join(ROOT, 'node_modules', '.bin', 'sanity');
  // The CLI's shebang would pick the system Node (older than it needs); the project's Node runs it instead.
  const result = await run(NODE, [sanityBin, 'build', temp, '--yes'], {
    SANITY_STUDIO_API_HOST: STUDIO_API_HOST_PLACEHOLDER,
    SANITY_STUDIO_SITE_URL: STUDIO_SITE_URL_PLACEHOLDER,
    SANITY_STUDIO_PREVIEW_URL: STUDIO_PREVIEW_URL_PLACEHOLDER,
    SANITY_STUDIO_TIME_ZONE: STUDIO_TIME_ZONE_PLACEHOLDER,
    SANITY_STUDIO_PROJECT_ID: options.projectId,
    SANITY_STUDIO_DATASET: options.dataset,
    // Telemetry consent denied and no npm version check: nothing is fetched or sent (see scripts/studio-check.ts).
    DO_NOT_TRACK: '1',
    NO_UPDATE_NOTIFIER: '1',
    SANITY_TELEMETRY_DISABLED: '1',
  });
  if (!result.ok) {
    await rm(temp, { recursive: true, force: true });
    throw new Error(
      `newsroom: \`sanity build\` failed (${result.exit}):\n${stripVTControlCharacters(result.output).trim()}`,
    );
  }
  await keepStudioOffline(temp);
  await rm(STUDIO_CACHE_DIR, { recursive: true, force: true });
  await rename(temp, STUDIO_CACHE_DIR);
  await writeFile(STUDIO_CACHE_STAMP, `${JSON.stringify({ key, builtAt: new Date().toISOString() }, null, 2)}\n`);
  const ms = performance.now() - started;
  log(`studio: built in ${seconds(ms)}`);
  return { dir: STUDIO_CACHE_DIR, cached: false, ms };
}

/** The Inter faces the Studio's CSS names, by style, served from the build instead of Sanity's font host. */
const INTER_FILES = { normal: 'inter-latin-wght-normal.woff2', italic: 'inter-latin-wght-italic.woff2' } as const;

/**
 * Makes a `sanity build` load nothing from the network: index.html loses the script `sanity build` adds from
 * core.sanity-cdn.com (bridge.js, for Sanity's hosted dashboard) and its Inter faces on studio-static.sanity.io, and the
 * CSS's Inter faces on design-system-static.sanity.io point at copies of Inter in the build (@fontsource-variable/inter).
 * Throws if any of them is still there afterwards, e.g. after a Sanity upgrade changed how the build names them.
 */
export async function keepStudioOffline(dir: string): Promise<void> {
  const indexFile = path.join(dir, 'index.html');
  const index = (await readFile(indexFile, 'utf8'))
    .replace(/<script[^>]*\ssrc="https:\/\/core\.sanity-cdn\.com\/[^"]*"[^>]*><\/script>/g, '')
    .replace(/<style>(?:(?!<\/style>)[\s\S])*studio-static\.sanity\.io(?:(?!<\/style>)[\s\S])*<\/style>/g, '');
  await writeFile(indexFile, index);
  const fonts = path.join(dir, 'static', 'fonts');
  await mkdir(fonts, { recursive: true });
  const source = path.join(ROOT, 'node_modules', '@fontsource-variable', 'inter', 'files');
  for (const file of Object.values(INTER_FILES)) await copyFile(path.join(source, file), path.join(fonts, file));
  const staticDir = path.join(dir, 'static');
  const remote: string[] = /https:\/\/[a-z.-]*(?:sanity\.io|sanity-cdn\.com)\//.test(index) ? ['index.html'] : [];
  for (const name of (await readdir(staticDir)).filter((file) => file.endsWith('.css'))) {
    const file = path.join(staticDir, name);
    const css = (await readFile(file, 'utf8')).replace(
      /https:\/\/design-system-static\.sanity\.io\/InterVariable(-Italic)?-[\w-]*\.woff2/g,
      (_match, italic?: string) => `/static/fonts/${italic === undefined ? INTER_FILES.normal : INTER_FILES.italic}`,
    );
    await writeFile(file, css);
    if (/url\(\s*["']?https:/.test(css)) remote.push(`static/${name}`);
  }
  if (remote.length > 0) {
    throw new Error(
      `newsroom: the Studio build still loads from the network in ${remote.join(', ')}: see keepStudioOffline in scripts/newsroom/studio-build.ts`,
    );
  }
}

async function studioInputsKey(projectId: string, dataset: string): Promise<string> {
  const hash = createHash('sha256');
  hash.update(
    JSON.stringify({
      projectId,
      dataset,
      apiHost: STUDIO_API_HOST_PLACEHOLDER,
      siteUrl: STUDIO_SITE_URL_PLACEHOLDER,
      previewUrl: STUDIO_PREVIEW_URL_PLACEHOLDER,
      timeZone: STUDIO_TIME_ZONE_PLACEHOLDER,
    }),
  );
  const files = [
    'sanity.config.ts',
    'sanity.cli.ts',
    // How the build is made offline (keepStudioOffline) is part of it.
    'scripts/newsroom/studio-build.ts',
    // What the schemas import from the site's code: the content rules and the date formats.
    ...(await listFiles(path.join(ROOT, 'src', 'lib', 'model'))).map((file) => path.relative(ROOT, file)),
    'src/lib/site/dates.ts',
    ...(await listFiles(path.join(ROOT, 'schemas'))).map((file) => path.relative(ROOT, file)),
  ].sort();
  for (const file of files) hash.update(`\0${file}\0`).update(await readFile(path.join(ROOT, file)));
  for (const name of [
    'sanity',
    '@sanity/vision',
    'react',
    'react-dom',
    'styled-components',
    '@fontsource-variable/inter',
  ]) {
    const manifest = await readFile(path.join(ROOT, 'node_modules', name, 'package.json'), 'utf8').catch(() => '{}');
    hash.update(`\0${name}@${String((JSON.parse(manifest) as { version?: unknown }).version)}`);
  }
  return hash.digest('hex');
}

async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((entry) => entry.isFile()).map((entry) => path.join(entry.parentPath, entry.name));
}
