// Writes a Sanity dataset back to markdown: `npm run export -- --out DIR`.
import { mkdir, readdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { dump } from 'js-yaml';
import { documentsToContent, type SanityDocument } from '../src/lib/sources/sanity/documents.ts';
import { fail, failSanity, SANITY_FLAGS, sanityFromArgs } from './lib/sanity-cli.ts';
import { cliArgs } from './lib/args.ts';

const HELP = `Usage: npm run export -- [--out content] [--public public] [--dataset production] [--api-host URL]

Reads every story, section, author and tag of the dataset (drafts too: a draft with no published version is
written with draft: true) and writes stories/<slug>.md and the YAML lists into --out; images are downloaded into
--public/images/ when missing there. Needs SANITY_TOKEN to read drafts. Files in --out that the dataset does
not hold are left alone and listed.`;

const { values } = cliArgs(
  {
    options: {
      out: { type: 'string', default: 'content' },
      public: { type: 'string', default: 'public' },
      ...SANITY_FLAGS,
      help: { type: 'boolean' },
    },
  },
  HELP,
);
const outDir = path.resolve(values.out);
const publicDir = path.resolve(values.public);
const { config, client } = sanityFromArgs(values, { needsToken: false });
const started = performance.now();

let documents: SanityDocument[];
let assets: { _id: string; url: string; originalFilename?: string; extension?: string }[];
try {
  documents = await client.fetch<SanityDocument[]>('*[_type in $types] | order(_id asc)', {
    types: ['story', 'section', 'author', 'tag'],
  });
  assets = await client.fetch('*[_type == "sanity.imageAsset"]{_id, url, originalFilename, extension}', {});
} catch (error) {
  failSanity(error, config);
}

/** Where asset files may be downloaded from: Sanity's CDN, or the API host given (the local API serves its own). */
const ASSET_ORIGINS = ['https://cdn.sanity.io', ...(config.apiHost === undefined ? [] : [originOf(config.apiHost)])];
const DOWNLOAD_TIMEOUT_MS = 60_000;
const MAX_ASSET_BYTES = 50 * 1024 * 1024;

const imagePath = new Map<string, string>();
let downloaded = 0;
for (const asset of assets) {
  const name = asset.originalFilename ?? `${asset._id}.${asset.extension ?? 'bin'}`;
  const file = path.join(publicDir, 'images', name);
  // The file name comes from whoever uploaded the image: `../../scripts/build.ts` must not be written over.
  if (!isInside(path.join(publicDir, 'images'), file))
    fail(
      `asset ${asset._id}: its file name ${JSON.stringify(name)} leads out of ${path.relative(process.cwd(), publicDir) || '.'}/images/; nothing more was written`,
    );
  imagePath.set(asset._id, `/images/${name}`);
  if (await stat(file).catch(() => undefined)) continue;
  // The URL is a field of a document anyone with write access can set: fetch only from where Sanity serves assets.
  if (!ASSET_ORIGINS.includes(originOf(asset.url)))
    fail(
      `asset ${asset._id}: its url ${JSON.stringify(asset.url.slice(0, 200))} is not on ${ASSET_ORIGINS.join(' or ')}, where the dataset's assets are served; nothing more was written`,
    );
  const response = await fetch(asset.url, {
    redirect: 'error',
    signal: AbortSignal.timeout(DOWNLOAD_TIMEOUT_MS),
  }).catch((error: unknown) => failSanity(error, config));
  if (!response.ok) failSanity({ statusCode: response.status, message: `downloading ${asset.url}` }, config);
  const bytes = Buffer.from(await response.arrayBuffer());
  if (bytes.length > MAX_ASSET_BYTES)
    fail(
      `asset ${asset._id}: ${bytes.length} bytes, over the limit of ${MAX_ASSET_BYTES} bytes for one image; nothing more was written`,
    );
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, bytes);
  downloaded += 1;
}

const files = documentsToContent(
  documents,
  (id) => imagePath.get(id),
  (value) => dump(value, { lineWidth: -1, noRefs: true }),
);
for (const [i, file] of files.entries()) {
  const target = path.join(outDir, file.path);
  if (!isInside(outDir, target))
    fail(
      `${file.path}: a document's id or slug leads out of ${path.relative(process.cwd(), outDir) || '.'}/; nothing more was written`,
    );
  await mkdir(path.dirname(target), { recursive: true });
  await writeFile(target, file.text);
  process.stdout.write(`\rfiles: ${i + 1}/${files.length}`);
}
process.stdout.write('\n');
// Story files the dataset does not hold (deleted there, or never imported) are kept: say which, so nothing is lost.
const written = new Set(files.map((f) => f.path));
const extra = (await readdir(path.join(outDir, 'stories')).catch(() => [] as string[]))
  .filter((f) => f.endsWith('.md') && !written.has(`stories/${f}`))
  .sort();
if (extra.length) console.log(`Left alone, not in the dataset: ${extra.map((f) => `stories/${f}`).join(', ')}`);
console.log(
  `Exported ${files.filter((f) => f.path.startsWith('stories/')).length} stories from "${config.dataset}" into ${path.relative(process.cwd(), outDir) || '.'} ` +
    `(${downloaded} images downloaded, ${((performance.now() - started) / 1000).toFixed(1)} s).`,
);

/** Whether `file` lies inside `dir` (not `dir` itself, not beside it). */
function isInside(dir: string, file: string): boolean {
  const relative = path.relative(dir, path.resolve(file));
  return relative !== '' && relative !== '..' && !relative.startsWith(`..${path.sep}`) && !path.isAbsolute(relative);
}

/** The origin of a URL (`https://cdn.sanity.io`), or '' when it is not one. */
function originOf(url: string): string {
  return URL.canParse(url) ? new URL(url).origin : '';
}
