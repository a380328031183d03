// Pushes content/ into a Sanity dataset: `npm run import [-- --dataset NAME --content DIR]`.
// Ids are deterministic and unchanged documents are not written, so running it twice changes nothing.
import { readFile } from 'node:fs/promises';
import { getPublishedId, isDraftId, type DocumentId } from '@sanity/id-utils';
import path from 'node:path';
import { formatIssue } from '../src/lib/model/content-error.ts';
import { readContentDir } from '../src/lib/sources/content-files.ts';
import { imagePaths, siteSourceToDocuments, type SanityDocument } from '../src/lib/sources/sanity/documents.ts';
import { validateSite } from '../src/lib/site/site.ts';
import { fail, failSanity, SANITY_FLAGS, sanityFromArgs } from './lib/sanity-cli.ts';
import { cliArgs } from './lib/args.ts';
import { transactionsInReferenceOrder } from './lib/write-order.ts';

const HELP = `Usage: npm run import -- [--content content] [--public public] [--dataset production] [--api-host URL]

Validates the content folder, uploads its images as assets, and writes stories, sections, authors and tags
to the dataset in transactions. Needs SANITY_TOKEN (write access); SANITY_PROJECT_ID, SANITY_DATASET and
SANITY_API_HOST as in the README (defaults: project "local").`;

const { values } = cliArgs(
  {
    options: {
      content: { type: 'string', default: 'content' },
      public: { type: 'string', default: 'public' },
      ...SANITY_FLAGS,
      help: { type: 'boolean' },
    },
  },
  HELP,
);
const contentDir = path.resolve(values.content);
const publicDir = path.resolve(values.public);
const { config, client } = sanityFromArgs(values, { needsToken: true });
const started = performance.now();

const source = await readContentDir(contentDir);
const issues = validateSite(source);
if (issues.length > 0)
  fail(
    `the content has ${issues.length} problem(s); nothing was imported:\n${issues.map((i) => `  - ${formatIssue(i)}`).join('\n')}`,
  );

// Images: every distinct local path is uploaded once; Sanity dedupes identical files into one asset.
const paths = imagePaths(source);
const assets = new Map<string, string>();
let uploaded = 0;
for (const src of paths) {
  const file = path.join(publicDir, src);
  // An image path in a story (`/../../etc/passwd`) must not make the import read, and upload, a file outside public/.
  if (!file.startsWith(publicDir + path.sep))
    fail(
      `${src}: an image path must name a file under ${path.relative(process.cwd(), publicDir) || '.'}/; nothing was imported`,
    );
  const data = await readFile(file).catch(() =>
    fail(`${src}: no such file under ${path.relative(process.cwd(), publicDir)}/`),
  );
  try {
    const asset = await client.assets.upload('image', data, { filename: path.basename(src) });
    assets.set(src, asset._id);
  } catch (error) {
    failSanity(error, config);
  }
  uploaded += 1;
  process.stdout.write(`\rimages: ${uploaded}/${paths.length}`);
}
if (paths.length) process.stdout.write('\n');

const documents = siteSourceToDocuments(source, (src) => assets.get(src));
// A story is either published (`<id>`) or a draft (`drafts.<id>`), as its `draft:` says; the other variant, left by
// an earlier import, is removed: a stale draft would shadow the published story in the Studio and in preview, and a
// story marked as a draft again must leave the published site.
// (`drafts.${id}` by hand: getDraftId throws on an id Sanity would refuse, and the import leaves refusing to Sanity.)
const otherVariant = (d: SanityDocument) =>
  isDraftId(d._id as DocumentId) ? getPublishedId(d._id as DocumentId) : `drafts.${d._id}`;
const stale = documents.filter((d) => d._type === 'story').map(otherVariant);
let existing: SanityDocument[];
try {
  existing = await client.fetch<SanityDocument[]>('*[_id in $ids]', {
    ids: [...documents.map((d) => d._id), ...stale],
  });
} catch (error) {
  failSanity(error, config);
}
const current = new Map(existing.map((d) => [d._id, d]));
const changed = documents.filter((d) => !sameContent(d, current.get(d._id)));
const created = changed.filter((d) => !current.has(d._id)).length;
const removed = stale.filter((id) => current.has(id));

// Documents are written in reference order (a tag before the stories that carry it, a pinned story before the
// story that pins it), since Sanity refuses a strong reference to a document that does not exist yet. Deletions go
// last, once every pin that pointed at a story being unpublished has been rewritten as a weak one.
type Write = { put: SanityDocument } | { remove: string };
const BATCH = 200;
const transactions: Write[][] = transactionsInReferenceOrder(changed, BATCH).map((batch) =>
  batch.map((put) => ({ put })),
);
for (let i = 0; i < removed.length; i += BATCH)
  transactions.push(removed.slice(i, i + BATCH).map((remove) => ({ remove })));
const total = changed.length + removed.length;
let written = 0;
for (const writes of transactions) {
  const transaction = client.transaction();
  for (const write of writes) {
    if ('put' in write) transaction.createOrReplace(write.put);
    else transaction.delete(write.remove);
  }
  try {
    await transaction.commit({ visibility: 'async', returnDocuments: false });
  } catch (error) {
    failSanity(error, config);
  }
  written += writes.length;
  process.stdout.write(`\rdocuments: ${written}/${total} written`);
}
if (total) process.stdout.write('\n');

const counts = ['story', 'section', 'author', 'tag'].map(
  (t) => `${documents.filter((d) => d._type === t).length} ${t === 'story' ? 'stories' : `${t}s`}`,
);
console.log(
  `Imported ${counts.join(', ')} into "${config.dataset}": ${created} created, ${changed.length - created} updated, ` +
    `${documents.length - changed.length} unchanged, ${removed.length} removed; ${assets.size} images (${((performance.now() - started) / 1000).toFixed(1)} s).`,
);

/** Equal apart from the fields Sanity maintains itself. */
function sameContent(a: SanityDocument, b: SanityDocument | undefined): boolean {
  if (!b) return false;
  const strip = (d: SanityDocument) =>
    JSON.stringify(
      sortKeys(
        Object.fromEntries(
          Object.entries(d).filter(([k]) => !['_rev', '_createdAt', '_updatedAt', '_originalId'].includes(k)),
        ),
      ),
    );
  return strip(a) === strip(b);
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object')
    return Object.fromEntries(
      Object.entries(value)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([k, v]) => [k, sortKeys(v)]),
    );
  return value;
}
