import { builtLatest, EXISTING, expect, test } from './fixtures.ts';
import { sleep } from './harness.ts';

test('a reader polling pages during several rebuilds never gets an error or a partial page', async ({ stack }) => {
  test.setTimeout(180_000);
  const { service } = stack;
  const before = await stack.settle();
  const pages = ['/', `/news/${EXISTING.story.slug}/`, `/tags/${EXISTING.tags[0].slug}/`];
  const problems: string[] = [];
  const counts = new Map<string, number>(pages.map((p) => [p, 0]));
  const seenBuilds = new Set<string>();
  let polling = true;

  const poll = async (pagePath: string) => {
    while (polling) {
      try {
        const response = await fetch(`${service.url}${pagePath}`);
        const html = await response.text();
        if (response.status !== 200) problems.push(`${pagePath}: status ${response.status}`);
        else if (!html.trimEnd().endsWith('</html>'))
          problems.push(
            `${pagePath}: does not end with </html> (${html.length} bytes, ends ${JSON.stringify(html.slice(-60))})`,
          );
        else if (!html.includes('<header class="site-header">')) problems.push(`${pagePath}: no site header`);
      } catch (error) {
        problems.push(
          `${pagePath}: request failed: ${error instanceof Error ? `${error.message} ${String(error.cause ?? '')}` : String(error)}`,
        );
      }
      counts.set(pagePath, (counts.get(pagePath) ?? 0) + 1);
      await sleep(50);
    }
  };
  const watchBuilds = async () => {
    while (polling) {
      const id = (await service.status()).build?.id;
      if (id) seenBuilds.add(id);
      await sleep(100);
    }
  };
  const readers = [...pages.map(poll), watchBuilds()];

  const original = await stack.client.getDocument<{ dek: string }>(EXISTING.story.id);
  if (!original) throw new Error(`${EXISTING.story.id} is missing from the imported dataset`);
  try {
    // Three rebuilds that each change the polled story page, the last one restoring it.
    for (const dek of [
      'First correction of the dek, made while readers poll.',
      'Second correction of the dek, made while readers poll.',
      original.dek,
    ]) {
      await stack.client.patch(EXISTING.story.id).set({ dek }).commit();
      const status = await stack.settle();
      expect(builtLatest(status), JSON.stringify(status)).toBe(true);
      const text = await (await fetch(`${service.url}/news/${EXISTING.story.slug}/`)).text();
      expect(text, 'the rebuilt page shows the change').toContain(dek.replace(/'/g, '&#39;'));
    }
    await sleep(200);
  } finally {
    polling = false;
    await Promise.all(readers);
  }

  const after = await service.status();
  expect(after.queue.builds - before.queue.builds, 'builds while polling').toBeGreaterThanOrEqual(3);
  expect(seenBuilds.size, 'the reader saw the served build change at least three times').toBeGreaterThanOrEqual(4);
  for (const [pagePath, n] of counts) expect(n, `requests for ${pagePath}`).toBeGreaterThan(20);
  test.info().annotations.push({ type: 'reader requests', description: JSON.stringify(Object.fromEntries(counts)) });
  expect(problems).toEqual([]);
});
