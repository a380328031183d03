import { readdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { runScript } from './harness.ts';
import { builtLatest, EXISTING, expect, storyDocument, test, uniqueSuffix } from './fixtures.ts';

/** Every file of a build folder, by path relative to it. */
async function tree(root: string): Promise<Map<string, Buffer>> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  const files = entries.filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name));
  return new Map(
    await Promise.all(files.map(async (file) => [path.relative(root, file), await readFile(file)] as const)),
  );
}

test('after publishes, an edit and an unpublish, the site the service built page by page equals a full build of the same content', async ({
  stack,
}) => {
  const { service, client, lake } = stack;
  await stack.settle();
  const suffix = uniqueSuffix();
  await client.create(storyDocument(`e2e-same-${suffix}-1`, `Consistency story one (${suffix})`));
  await stack.settle();
  await client.create(storyDocument(`e2e-same-${suffix}-2`, `Consistency story two (${suffix})`));
  // An existing story's headline changes: its card changes on listings and in other stories' Similar News.
  await client
    .patch(EXISTING.story.id)
    .set({ title: `Artemis II launch window set (${suffix})` })
    .commit();
  await stack.settle();
  // An invalid story (no dek), and a valid one pinning it: the service builds without the first and the pin, then,
  // once the first is fixed, with both; the site must settle to exactly what a full build gives.
  const bad = `story-e2e-same-${suffix}-bad`;
  const { dek: _dek, ...withoutDek } = storyDocument(
    `e2e-same-${suffix}-bad`,
    `Consistency story without a dek (${suffix})`,
  );
  await client.create(withoutDek);
  await client.create(
    storyDocument(`e2e-same-${suffix}-pins`, `Consistency story pinning (${suffix})`, {
      related: [{ _type: 'reference', _ref: bad, _key: 'pin' }],
    }),
  );
  const held = await stack.settle();
  expect(held.rejected.map((r) => [r.id, r.field])).toEqual([[bad, 'dek']]);
  expect(builtLatest(held), JSON.stringify(held)).toBe(true);
  await client.patch(bad).set({ dek: 'The dek that makes it valid.' }).commit();
  await client.delete(`story-e2e-same-${suffix}-1`);
  const status = await stack.settle();
  expect(status.rejected).toEqual([]);
  expect(builtLatest(status), JSON.stringify(status)).toBe(true);

  // A full build, from scratch, of what the lake holds now.
  const full = path.join(stack.tmp, `full-${suffix}`);
  const build = runScript('scripts/build.ts', ['--outDir', full], {
    ...process.env,
    SANITY_PROJECT_ID: 'local',
    SANITY_DATASET: 'production',
    SANITY_API_HOST: lake.url,
    ASTRO_CACHE_DIR: path.join(stack.tmp, `full-cache-${suffix}`),
    NEWS_CACHE_DIR: path.join(stack.tmp, `full-cache-${suffix}`),
    NEWS_RENDER_CACHE: '0',
  });
  const { code } = await build.exited;
  expect(code, build.output().slice(-3000)).toBe(0);

  const served = await tree(path.join(service.dir, 'current'));
  const expected = await tree(full);
  // The service keeps its search index beside its builds (search/current, served at /pagefind/) and writes it after
  // the swap; e2e/rebuild/search.spec.ts checks it. The pages and files of the site must be the same.
  for (const file of [...expected.keys()]) if (file.startsWith('pagefind/')) expected.delete(file);
  expect([...served.keys()].sort()).toEqual([...expected.keys()].sort());
  const different = [...expected].filter(([file, bytes]) => !served.get(file)?.equals(bytes)).map(([file]) => file);
  expect(different, 'files whose bytes differ between the served site and the full build').toEqual([]);
  expect(served.get(`news/e2e-same-${suffix}-2/index.html`)?.toString()).toContain(`Consistency story two (${suffix})`);
  expect(
    served.get(`news/e2e-same-${suffix}-pins/index.html`)?.toString(),
    'the pin is shown once its story is valid',
  ).toContain(`/news/e2e-same-${suffix}-bad/`);
  await rm(full, { recursive: true, force: true });
});
