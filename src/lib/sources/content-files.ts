import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { CORE_SCHEMA, load as loadYaml } from 'js-yaml';
import { z } from 'zod';
import { describeValue, type ContentIssue } from '../model/content-error.ts';
import { parseFrontMatter } from './front-matter.ts';
import type { SiteSource } from '../site/site.ts';
import {
  formatBytes,
  formatPath,
  MAX_BODY_BYTES,
  parseStory,
  storyRefs,
  type Story,
  type StoryRefs,
} from '../model/story.ts';
import { tagDefSchema } from '../model/tags.ts';
import { authorSchema, sectionSchema } from '../model/taxonomy.ts';

/** Reads and checks story files, in their order (the build spreads this over worker threads). */
export type StoryFilesReader = (
  files: { file: string; where: string }[],
) => Promise<Awaited<ReturnType<typeof readStoryFile>>[]>;

/** Reads story files one after the other. */
const readOneByOne: StoryFilesReader = async (files) => {
  const results = [];
  for (const { file, where } of files) results.push(await readStoryFile(file, where));
  return results;
};

/** Reads the embedded content folder (`content/`): stories as markdown files, taxonomies as YAML lists. */
export async function readContentDir(
  dir: string,
  displayRoot = path.relative(process.cwd(), dir),
  readStories: StoryFilesReader = readOneByOne,
): Promise<SiteSource> {
  const issues: ContentIssue[] = [];
  const shown = (file: string) => path.join(displayRoot, file).split(path.sep).join('/');

  const sections = await readYamlList(dir, 'sections.yaml', sectionSchema, shown, issues);
  const authors = await readYamlList(dir, 'authors.yaml', authorSchema, shown, issues);
  const tags = await readYamlList(dir, 'tags.yaml', tagDefSchema, shown, issues);

  const storyDir = path.join(dir, 'stories');
  const files = (await readdir(storyDir).catch(() => [] as string[])).filter((f) => f.endsWith('.md')).sort();
  const stories: SiteSource['stories'] = [];
  const rejected: SiteSource['rejected'] = [];
  const entries = files.map((file) => ({ file: path.join(storyDir, file), where: shown(path.join('stories', file)) }));
  const results = await readStories(entries);
  for (const [i, parsed] of results.entries()) {
    const { where } = entries[i] as (typeof entries)[number];
    issues.push(...parsed.issues);
    if (parsed.story) stories.push({ story: parsed.story, where });
    else rejected.push({ where, refs: parsed.refs });
  }
  return { stories, rejected, sections, authors, tags, issues };
}

/** The stable id of a story read from a file: `story-` and the file's name. Sanity imports keep the same id. */
export function storyIdFromFile(file: string): string {
  return `story-${path.basename(file, '.md')}`;
}

/** The largest story file read: a body at its limit plus generous front matter. Larger files are not opened. */
export const MAX_STORY_FILE_BYTES = MAX_BODY_BYTES + 64 * 1024;
/** The largest taxonomy file (`sections.yaml`, `authors.yaml`, `tags.yaml`) read. */
export const MAX_YAML_FILE_BYTES = 4 * 1024 * 1024;

/** Reads and validates one story file. */
export async function readStoryFile(
  file: string,
  where: string,
): Promise<{ story?: Story | undefined; issues: ContentIssue[]; refs: StoryRefs }> {
  const fallbackRefs = { slug: path.basename(file, '.md') };
  // Checked before reading, so that a huge file is never read whole, let alone parsed as YAML.
  const tooBig = await sizeIssue(
    file,
    where,
    MAX_STORY_FILE_BYTES,
    'split the story, or move large material (tables, data) out of the body',
  );
  if (tooBig) return { issues: [tooBig], refs: fallbackRefs };
  const parsed = parseFrontMatter(await readFile(file, 'utf8'));
  if ('problem' in parsed)
    return { issues: [{ where, field: '', message: parsed.problem, hint: parsed.hint }], refs: fallbackRefs };
  const data = parsed.data;
  data['slug'] ??= path.basename(file, '.md');
  if ('body' in data) {
    return {
      issues: [{ where, field: 'body', message: 'expected the body below the front matter, not a "body" field in it' }],
      refs: storyRefs(data),
    };
  }
  data['body'] = { format: 'markdown', value: parsed.content.replace(/^\n+/, '') };
  return { ...parseStory(storyIdFromFile(file), where, data), refs: storyRefs(data) };
}

/** An issue when `file` is larger than `limit` bytes. */
async function sizeIssue(file: string, where: string, limit: number, hint: string): Promise<ContentIssue | undefined> {
  const { size } = await stat(file);
  if (size <= limit) return undefined;
  return {
    where,
    field: '',
    message: `the file is ${formatBytes(size)}, over the limit of ${formatBytes(limit)}`,
    hint,
  };
}

async function readYamlList<T extends z.ZodType>(
  dir: string,
  file: string,
  schema: T,
  shown: (file: string) => string,
  issues: ContentIssue[],
): Promise<{ def: z.output<T>; where: string }[]> {
  const where = shown(file);
  let text: string;
  try {
    const tooBig = await sizeIssue(
      path.join(dir, file),
      where,
      MAX_YAML_FILE_BYTES,
      'keep only the entries the site uses',
    );
    if (tooBig) {
      issues.push(tooBig);
      return [];
    }
    // Stryker disable next-line StringLiteral: js-yaml reads a Buffer as UTF-8 text too
    text = await readFile(path.join(dir, file), 'utf8');
  } catch {
    issues.push({
      where,
      field: '',
      message: 'expected this file, found none',
      hint: 'create it as a YAML list (see README, "Content format")',
    });
    return [];
  }
  let list: unknown;
  try {
    list = loadYaml(text, { schema: CORE_SCHEMA });
  } catch (error) {
    issues.push({ where, field: '', message: `not valid YAML: ${yamlReason(error)}` });
    return [];
  }
  if (!Array.isArray(list)) {
    issues.push({ where, field: '', message: `expected a YAML list of entries, received ${describeValue(list)}` });
    return [];
  }
  const out: { def: z.output<T>; where: string }[] = [];
  list.forEach((item, i) => {
    const result = schema.safeParse(item, { reportInput: true });
    if (result.success) {
      out.push({ def: result.data, where: `${where}[${i}]` });
      return;
    }
    for (const issue of result.error.issues) {
      const received =
        issue.code === 'unrecognized_keys'
          ? `unknown field(s) ${issue.keys.join(', ')}`
          : `received ${describeValue('input' in issue ? issue.input : undefined)}`;
      issues.push({ where: `${where}[${i}]`, field: formatPath(issue.path), message: `${issue.message}, ${received}` });
    }
  });
  return out;
}

function yamlReason(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0] ?? message;
}
