// Generates a large content folder for benchmarks: `node scripts/generate-content.ts --count 10000 --out DIR`.
// Stories are variations of the demo stories (shuffled paragraphs, numbered headlines, spread-out dates), seeded,
// so the same arguments always give the same files.
import { cp, mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { dump } from 'js-yaml';
import { parseFrontMatter } from '../src/lib/sources/front-matter.ts';
import { cliArgs, usage } from './lib/args.ts';

const HELP = `Usage: node scripts/generate-content.ts [--count 10000] [--out tmp/generated] [--from content]

Writes --count stories, varied from the stories in --from, and its YAML lists into --out (emptied first).`;

const { values } = cliArgs(
  {
    options: {
      count: { type: 'string', default: '10000' },
      out: { type: 'string', default: 'tmp/generated' },
      from: { type: 'string', default: 'content' },
      help: { type: 'boolean' },
    },
  },
  HELP,
);
const count = Number(values.count);
const out = path.resolve(values.out);
const from = path.resolve(values.from);
if (!Number.isInteger(count) || count < 1)
  usage(`--count: expected a positive whole number, received ${JSON.stringify(values.count)}`, HELP);

/** mulberry32: a small seeded generator, so runs are reproducible. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const rand = random(42);
const pick = <T>(list: readonly T[]): T => list[Math.floor(rand() * list.length)] as T;

const files = (await readdir(path.join(from, 'stories'))).filter((f) => f.endsWith('.md')).sort();
const bases = [];
for (const f of files) {
  const parsed = parseFrontMatter(await readFile(path.join(from, 'stories', f), 'utf8'));
  if ('problem' in parsed) {
    console.error(`${path.join(from, 'stories', f)}: ${parsed.problem} (${parsed.hint})`);
    process.exit(1);
  }
  if (parsed.data['draft']) continue;
  bases.push({ data: parsed.data, paragraphs: parsed.content.split(/\n{2,}/).filter((p) => p.trim()) });
}

await rm(out, { recursive: true, force: true });
await mkdir(path.join(out, 'stories'), { recursive: true });
for (const f of ['sections.yaml', 'authors.yaml', 'tags.yaml']) await cp(path.join(from, f), path.join(out, f));

const start = Date.parse('2023-01-01T00:00:00Z');
const span = Date.parse('2026-11-01T00:00:00Z') - start;
for (let i = 0; i < count; i += 1) {
  const base = pick(bases);
  const other = pick(bases);
  const paragraphs = [...base.paragraphs];
  // Mix in a paragraph from another story so that texts differ, then shuffle everything after the lede.
  paragraphs.splice(1 + Math.floor(rand() * (paragraphs.length - 1)), 0, pick(other.paragraphs));
  const rest = paragraphs.slice(1).sort(() => rand() - 0.5);
  const publishedAt = new Date(start + Math.floor(rand() * span)).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const data: Record<string, unknown> = {
    title: `${String(base.data['title']).slice(0, 100)} (${i + 1})`,
    dek: base.data['dek'],
    publishedAt,
    section: base.data['section'],
    tags: base.data['tags'],
    authors: base.data['authors'],
  };
  if (base.data['source']) data['source'] = base.data['source'];
  const slug = `story-${String(i + 1).padStart(5, '0')}`;
  await writeFile(
    path.join(out, 'stories', `${slug}.md`),
    `---\n${dump(data, { lineWidth: -1 })}---\n\n${[paragraphs[0], ...rest].join('\n\n')}\n`,
  );
}
console.log(`Generated ${count} stories in ${path.relative(process.cwd(), out)}.`);
