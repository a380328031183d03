/**
 * The rebuild service in this process (the e2e suite runs it as a child process, where coverage cannot see it): a
 * lake seeded from content/, the service built from its settings, a publish, an unpublish and a refused webhook, then
 * a restart on the same folder that serves the previous build at once. Build processes are still child processes.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, readlink, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { SanityClient } from '@sanity/client';
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { RunningLake } from '../../lake/server.ts';
import type { ServiceConfig } from '../../rebuild/config.ts';
import { startRebuildService, type RebuildService, type ServiceStatus } from '../../rebuild/service.ts';
import { freePort } from '../../e2e/rebuild/harness.ts';
import { seededLake, serviceConfig } from './seeded-lake.ts';

let tmp: string;
let lake: RunningLake;
let client: SanityClient;
let config: ServiceConfig;
let service: RebuildService | undefined;
const lines: string[] = [];

/** Polls the service's status until `accept` holds. */
async function waitFor(accept: (s: ServiceStatus) => boolean, what: string, timeoutMs = 120_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const status = service?.status();
    if (status && accept(status)) return status;
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}: ${JSON.stringify(status)}\n${lines.slice(-20).join('\n')}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const built = (s: ServiceStatus) =>
  s.build !== null && s.build.revision === s.contentRevision && !s.queue.building && !s.queue.pending;

/** Waits for every webhook to be delivered and the service to have built what they announced. */
async function settle(): Promise<ServiceStatus> {
  await lake.webhooksIdle();
  await service?.idle();
  return waitFor(built, 'the build of the latest content');
}

beforeAll(async () => {
  tmp = await mkdtemp(path.join(tmpdir(), 'rebuild-unit-'));
  const port = await freePort();
  ({ lake, client } = await seededLake(tmp, port));
  config = serviceConfig(lake, port, tmp);
}, 180_000);

afterAll(async () => {
  await service?.close();
  await lake?.close();
  await rm(tmp, { recursive: true, force: true });
}, 60_000);

test('serves a first build, rebuilds on publish and unpublish, refuses an unsigned webhook, and restarts on the previous build', async () => {
  service = await startRebuildService(config, (line) => lines.push(line));
  expect(service.url).toBe(`http://127.0.0.1:${config.port}`);
  const first = await waitFor(built, 'the first build');
  expect(first.lastSuccess).not.toBeNull();
  expect(first.lastFailure).toBeNull();
  expect(first.rejected).toEqual([]);
  const home = await fetch(`${service.url}/`);
  expect(home.status).toBe(200);
  expect(await home.text()).toContain('<h1');

  // A publish: the webhook names the story, the mirror reads it, and its page appears.
  const slug = `unit-${randomBytes(4).toString('hex')}`;
  const title = `Rebuild unit test story ${slug}`;
  await client.create({
    _id: `story-${slug}`,
    _type: 'story',
    title,
    slug: { _type: 'slug', current: slug },
    dek: 'A story published by the rebuild service unit test.',
    publishedAt: new Date().toISOString(),
    section: { _type: 'reference', _ref: 'section-science' },
    authors: [{ _type: 'reference', _ref: 'author-priya-raman', _key: 'a1' }],
    body: [
      {
        _type: 'block',
        _key: 'b1',
        style: 'normal',
        markDefs: [],
        children: [{ _type: 'span', _key: 's1', text: 'The body.', marks: [] }],
      },
    ],
  });
  const published = await settle();
  expect(published.build?.id).not.toBe(first.build?.id);
  expect(published.webhooks.accepted).toBeGreaterThan(first.webhooks.accepted);
  const page = await fetch(`${service.url}/news/${slug}/`);
  expect(page.status).toBe(200);
  expect(await page.text()).toContain(title);

  // An unsigned webhook is refused and counted, and starts no build.
  const refused = await fetch(`${service.url}/hooks/sanity`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ _id: `story-${slug}` }),
  });
  expect(refused.status).toBe(401);
  expect(service.status().webhooks.refused).toBe(published.webhooks.refused + 1);

  // An unpublish: the page goes.
  await client.delete(`story-${slug}`);
  const removed = await settle();
  expect(removed.build?.id).not.toBe(published.build?.id);
  expect((await fetch(`${service.url}/news/${slug}/`)).status).toBe(404);

  // The served folder is one of the two build folders, through the `current` symlink.
  expect(await readlink(path.join(config.dir, 'current'))).toMatch(/^builds\/[ab]$/);

  // A restart on the same folder serves the previous build before building anything.
  await service.close();
  service = undefined;
  lines.length = 0;
  service = await startRebuildService(config, (line) => lines.push(line));
  expect(service.status().build?.id).toBe(removed.build?.id);
  expect(lines.join('\n')).toContain(`serving the previous build ${removed.build?.id ?? ''}`);
  expect((await fetch(`${service.url}/`)).status).toBe(200);
  await waitFor(built, 'the catch-up build after the restart');
}, 400_000);
