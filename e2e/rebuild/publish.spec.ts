import {
  builtLatest,
  currentBuildFiles,
  EXISTING,
  expect,
  publishAndSettle,
  storyDocument,
  test,
  uniqueSuffix,
} from './fixtures.ts';

test('a published story appears on its page, its tag pages, its section and the home page; unpublished, it is gone everywhere', async ({
  stack,
  page,
}) => {
  const { service } = stack;
  await stack.settle();
  const slug = `e2e-published-${uniqueSuffix()}`;
  const title = `Rebuild test story ${slug}`;
  const storyUrl = `/news/${slug}/`;
  const before = await service.status();

  const after = await publishAndSettle(stack, storyDocument(slug, title));
  expect(after.webhooks.accepted, 'the webhook was delivered and accepted').toBeGreaterThan(before.webhooks.accepted);
  expect(after.build?.id, 'a new build is served').not.toBe(before.build?.id);
  expect(builtLatest(after), `the served build is of the synced content: ${JSON.stringify(after)}`).toBe(true);

  const response = await page.goto(`${service.url}${storyUrl}`);
  expect(response?.status()).toBe(200);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(title);
  await expect(page.locator('.story-body h2')).toHaveText('What happens next');
  await expect(page.locator('.story-body a[href="https://www.nasa.gov/"]')).toHaveText('NASA');
  await expect(page.locator('.story-body li')).toHaveText(['first point', 'second point']);
  await expect(page.locator('.byline a[rel="author"]')).toHaveAttribute('href', `/authors/${EXISTING.author.slug}/`);

  const mentioning = (await currentBuildFiles(service.dir))
    .filter(({ text }) => text.includes(storyUrl))
    .map(({ file }) => file);
  // The scan below must be able to see the story: here it finds it in its page, listings, feed and sitemap.
  expect(mentioning).toEqual(
    expect.arrayContaining(['index.html', `news/${slug}/index.html`, 'rss.xml', 'sitemaps/stories-1.xml']),
  );

  const listings = [...EXISTING.tags.map((t) => `/tags/${t.slug}/`), `/section/${EXISTING.section.slug}/`, '/'];
  for (const listing of listings) {
    const listed = await page.goto(`${service.url}${listing}`);
    expect(listed?.status(), listing).toBe(200);
    await expect(page.locator(`main a[href="${storyUrl}"]`).first(), `${listing} links to the new story`).toBeVisible();
  }

  await stack.client.delete(`story-${slug}`);
  const removed = await stack.settle();
  expect(removed.build?.id, 'unpublishing rebuilt the site').not.toBe(after.build?.id);
  expect(builtLatest(removed)).toBe(true);
  const gone = await page.goto(`${service.url}${storyUrl}`);
  expect(gone?.status()).toBe(404);
  const files = await currentBuildFiles(service.dir);
  expect(files.length, 'the scan reads the whole build').toBeGreaterThan(50);
  const linking = files.filter(({ text }) => text.includes(storyUrl) || text.includes(title)).map(({ file }) => file);
  expect(linking, 'no page, feed or sitemap of the new build mentions the unpublished story').toEqual([]);
});

test('a burst of 20 publishes makes at most 2 builds, and all 20 stories are live', async ({ stack }) => {
  const { service } = stack;
  const before = await stack.settle();
  const suffix = uniqueSuffix();
  const docs = Array.from({ length: 20 }, (_, i) =>
    storyDocument(`e2e-burst-${suffix}-${i + 1}`, `Burst story ${i + 1} of 20 (${suffix})`),
  );
  // One transaction per story, one after the other, as 20 editors pressing Publish at once would make.
  for (const doc of docs) await stack.client.create(doc);
  const after = await stack.settle();

  const builds = after.queue.builds - before.queue.builds;
  test.info().annotations.push({ type: 'builds for 20 publishes', description: String(builds) });
  expect(builds, 'builds started for the burst').toBeGreaterThanOrEqual(1);
  expect(builds, 'builds started for the burst').toBeLessThanOrEqual(2);
  expect(after.webhooks.accepted - before.webhooks.accepted, 'one webhook per published story').toBe(20);
  expect(builtLatest(after), `the served build includes every synced change: ${JSON.stringify(after)}`).toBe(true);
  for (const doc of docs) {
    const slug = (doc['slug'] as { current: string }).current;
    const response = await fetch(`${service.url}/news/${slug}/`);
    expect(response.status, slug).toBe(200);
    expect(await response.text()).toContain(String(doc['title']));
  }
});
