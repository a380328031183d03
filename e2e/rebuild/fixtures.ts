import { randomBytes } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { test as base } from '@playwright/test';
import type { ServiceStatus } from '../../rebuild/service.ts';
import { startRebuildStack, type RebuildStack } from './harness.ts';

/**
 * `test` with a worker-scoped `stack` (lake + import + rebuild service, started once per worker: the service is slow
 * to start) and an automatic per-test attachment of the service's output when a test fails.
 */
export const test = base.extend<{ serviceLog: void }, { stack: RebuildStack }>({
  stack: [
    async ({}, use) => {
      const stack = await startRebuildStack();
      try {
        await use(stack);
      } finally {
        await stack.close();
      }
    },
    { scope: 'worker', timeout: 180_000 },
  ],
  serviceLog: [
    async ({ stack }, use, testInfo) => {
      const from = stack.service.output().length;
      await use();
      if (testInfo.status !== testInfo.expectedStatus)
        await testInfo.attach('service output', {
          body: stack.service.output().slice(from),
          contentType: 'text/plain',
        });
    },
    { auto: true },
  ],
});
export { expect } from '@playwright/test';

/** Imported documents the new stories point at (ids are deterministic: see src/lib/sources/sanity/documents.ts). */
export const EXISTING = {
  section: { id: 'section-science', slug: 'science' },
  tags: [
    { id: 'tag-space', slug: 'space' },
    { id: 'tag-nasa', slug: 'nasa' },
  ],
  author: { id: 'author-priya-raman', slug: 'priya-raman' },
  /** A story every build has, for readers to poll. */
  story: { id: 'story-artemis-ii-launch-window', slug: 'artemis-ii-launch-window' },
} as const;

/** A short random suffix, so that stories of repeated runs and tests never share a slug. */
export const uniqueSuffix = () => randomBytes(4).toString('hex');

const key = () => randomBytes(6).toString('hex');
const span = (text: string, marks: string[] = []) => ({ _type: 'span', _key: key(), text, marks });

/** A published story document as the Studio writes it: references, tags, author, a Portable Text body. */
export function storyDocument(
  slug: string,
  title: string,
  extra: Record<string, unknown> = {},
): { _id: string; _type: 'story' } & Record<string, unknown> {
  const linkKey = key();
  return {
    _id: `story-${slug}`,
    _type: 'story',
    title,
    slug: { _type: 'slug', current: slug },
    dek: `A story published by the rebuild end-to-end tests (${slug}).`,
    publishedAt: new Date().toISOString(),
    section: { _type: 'reference', _ref: EXISTING.section.id },
    tags: EXISTING.tags.map((t) => ({ _type: 'reference', _ref: t.id, _key: key() })),
    authors: [{ _type: 'reference', _ref: EXISTING.author.id, _key: key() }],
    body: [
      {
        _type: 'block',
        _key: key(),
        style: 'normal',
        markDefs: [],
        children: [span('Why it matters: ', ['strong']), span(`the body of ${slug} came from Portable Text.`)],
      },
      { _type: 'block', _key: key(), style: 'h2', markDefs: [], children: [span('What happens next')] },
      {
        _type: 'block',
        _key: key(),
        style: 'normal',
        markDefs: [{ _type: 'link', _key: linkKey, href: 'https://www.nasa.gov/' }],
        children: [span('Read more at '), span('NASA', [linkKey]), span('.')],
      },
      {
        _type: 'block',
        _key: key(),
        style: 'normal',
        listItem: 'bullet',
        level: 1,
        markDefs: [],
        children: [span('first point')],
      },
      {
        _type: 'block',
        _key: key(),
        style: 'normal',
        listItem: 'bullet',
        level: 1,
        markDefs: [],
        children: [span('second point')],
      },
    ],
    ...extra,
  };
}

/** Publishes a story and waits until the service has rebuilt; returns the status after the build. */
export async function publishAndSettle(
  stack: RebuildStack,
  doc: { _id: string; _type: string },
): Promise<ServiceStatus> {
  await stack.client.create(doc);
  return stack.settle();
}

/** Every HTML, XML and text file of the build the service currently serves, with its path and text. */
export async function currentBuildFiles(serveDir: string): Promise<{ file: string; text: string }[]> {
  const root = path.join(serveDir, 'current');
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  const files = entries
    .filter((e) => e.isFile() && /\.(html|xml|txt|json)$/.test(e.name))
    .map((e) => path.join(e.parentPath, e.name));
  return Promise.all(
    files.map(async (file) => ({ file: path.relative(root, file), text: await readFile(file, 'utf8') })),
  );
}

/** Whether a status shows a successful build of the content the service has synced. */
export const builtLatest = (s: ServiceStatus) => s.build !== null && s.build.revision === s.contentRevision;
