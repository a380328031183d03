import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { builtLatest, EXISTING, expect, publishAndSettle, storyDocument, test, uniqueSuffix } from './fixtures.ts';
import { isAlive } from './harness.ts';

/** Status codes of the home page, a story that every build has, and the given story's page. */
async function statuses(url: string, slug: string) {
  const get = async (p: string) => (await fetch(`${url}${p}`)).status;
  return {
    home: await get('/'),
    existing: await get(`/news/${EXISTING.story.slug}/`),
    story: await get(`/news/${slug}/`),
  };
}

test('a build killed halfway leaves the previous site serving, records the failure, and the next publish builds', async ({
  stack,
}) => {
  const { service } = stack;
  const before = await stack.settle();
  const buildsDir = path.join(service.dir, 'builds');
  const foldersBefore = (await readdir(buildsDir)).sort();
  const killedSlug = `e2e-killed-${uniqueSuffix()}`;

  // A new story, and a section renamed: the name is in every page's navigation, so every page is rendered again,
  // which keeps the build busy long enough to be killed halfway.
  const sectionName = `Science and space ${killedSlug}`;
  await stack.client
    .transaction()
    .create(storyDocument(killedSlug, `Story whose build was killed ${killedSlug}`))
    .patch(EXISTING.section.id, (p) => p.set({ name: sectionName }))
    .commit();
  const building = await service.waitForStatus((s) => s.queue.buildPid !== null, 'a build to start', 30_000);
  const pid = building.queue.buildPid;
  if (pid === null) throw new Error('unreachable: waited for a build pid');
  // Frozen at once (the demo site's pages render in well under a second), then killed: halfway through its pages.
  process.kill(pid, 'SIGSTOP');
  expect((await service.status()).queue.buildPid, 'the build was still running when frozen (halfway)').toBe(pid);
  process.kill(pid, 'SIGKILL');

  const failed = await stack.settle();
  expect(isAlive(pid)).toBe(false);
  expect(failed.lastFailure, 'the failure is recorded').not.toBeNull();
  expect(failed.lastFailure?.reason).toMatch(/killed \(SIGKILL\)/);
  expect(failed.lastFailure?.at !== before.lastFailure?.at, 'it is a new failure').toBe(true);
  expect(failed.build, 'the previous build is still the one served').toEqual(before.build);
  expect(await statuses(service.url, killedSlug)).toEqual({ home: 200, existing: 200, story: 404 });
  // Builds alternate between two folders; the killed build's pages, rendered into staging/, are gone.
  expect(
    (await readdir(buildsDir)).filter((f) => !foldersBefore.includes(f) && !['a', 'b'].includes(f)),
    'no other build folder',
  ).toEqual([]);
  expect(
    await readdir(path.join(service.dir, 'staging')).catch(() => []),
    "nothing is left of the killed build's pages",
  ).toEqual([]);

  const nextSlug = `e2e-after-kill-${uniqueSuffix()}`;
  const after = await publishAndSettle(stack, storyDocument(nextSlug, `Story after the killed build ${nextSlug}`));
  expect(after.build?.id).not.toBe(before.build?.id);
  expect(after.lastSuccess?.buildId).toBe(after.build?.id);
  expect(builtLatest(after)).toBe(true);
  // The next build includes both stories (the one whose build was killed and the new one) and the new section name.
  expect(await statuses(service.url, killedSlug)).toEqual({ home: 200, existing: 200, story: 200 });
  expect(await (await fetch(`${service.url}/news/${EXISTING.story.slug}/`)).text()).toContain(sectionName);
  expect((await fetch(`${service.url}/news/${nextSlug}/`)).status).toBe(200);
});

test('a story that fails validation is built without: other publishes go live, and the status names the document and field', async ({
  stack,
}) => {
  const { service } = stack;
  const before = await stack.settle();
  const slug = `e2e-invalid-${uniqueSuffix()}`;
  const id = `story-${slug}`;
  const asset = await stack.client.fetch<string | null>('*[_type == "sanity.imageAsset"] | order(_id asc)[0]._id');
  expect(asset, 'the import uploaded images').toEqual(expect.any(String));
  // The Studio would refuse this (alt is required once an image is chosen); an API client can still write it.
  await stack.client.create(
    storyDocument(slug, `Invalid story ${slug}`, {
      mainImage: { _type: 'image', asset: { _type: 'reference', _ref: asset } },
    }),
  );
  try {
    const validSlug = `e2e-after-invalid-${uniqueSuffix()}`;
    const after = await publishAndSettle(
      stack,
      storyDocument(validSlug, `Valid story after an invalid one ${validSlug}`),
    );
    expect(after.lastFailure?.at, 'no build failed').toBe(before.lastFailure?.at);
    expect(builtLatest(after)).toBe(true);
    expect(after.rejected).toContainEqual({
      id,
      field: 'mainImage.alt',
      message: expect.stringMatching(/alt text/),
      serving: 'left out',
    });
    expect(service.output()).toContain(`${id} → mainImage.alt`);
    expect(await statuses(service.url, slug)).toEqual({ home: 200, existing: 200, story: 404 });
    expect((await fetch(`${service.url}/news/${validSlug}/`)).status, 'the valid story went live').toBe(200);
  } finally {
    await stack.client.delete(id);
  }
  const fixed = await stack.settle();
  expect(builtLatest(fixed), `served build matches the content again: ${JSON.stringify(fixed)}`).toBe(true);
  expect(fixed.rejected).toEqual([]);
});
