import type { Page } from '@playwright/test';
import { EXISTING, expect, storyDocument, test, uniqueSuffix } from './fixtures.ts';

// Search after publish and unpublish: the rebuild service writes the search index again right after each build is
// swapped in (rebuild/search.ts), so a story is found a moment after it goes live and is gone once unpublished.

/** Searches `query` on the service's search page until `found` holds for the status line, or `timeout` ms pass. */
async function searchUntil(
  page: Page,
  url: string,
  query: string,
  found: (status: string) => boolean,
  timeout = 60_000,
): Promise<string> {
  const deadline = Date.now() + timeout;
  let status = '';
  while (Date.now() < deadline) {
    await page.goto(`${url}/search/?q=${encodeURIComponent(query)}`);
    const line = page.locator('#search-status');
    await expect(line).toHaveText(/found|not available/);
    status = (await line.textContent()) ?? '';
    if (found(status)) return status;
    await page.waitForTimeout(500);
  }
  return status;
}

test('a story published a moment ago is found by search; unpublished, it is gone', async ({ stack, page }) => {
  const { service } = stack;
  await stack.settle();
  const word = `zq${uniqueSuffix()}`;
  const slug = `e2e-search-${word}`;
  const title = `Search finds the ${word} story`;

  const published = Date.now();
  await stack.client.create(storyDocument(slug, title));
  const status = await searchUntil(page, service.url, word, (s) => s.startsWith('1 story found'));
  const searchable = Date.now() - published;
  test.info().annotations.push({ type: 'publish to searchable (ms)', description: String(searchable) });
  expect(status).toBe(`1 story found for “${word}”.`);
  const result = page.locator('.search-result');
  await expect(result.getByRole('link', { name: title })).toHaveAttribute('href', `/news/${slug}/`);
  // The section's name as the lake has it now (other specs in this worker rename it).
  const section = await stack.client.fetch<string>('*[_id == $id][0].name', { id: EXISTING.section.id });
  await expect(result.locator('.kicker')).toHaveText(section);
  await expect(result.locator('.dek')).toHaveText(`A story published by the rebuild end-to-end tests (${slug}).`);
  const state = await service.status();
  expect(state.search.state === 'ready' || state.search.state === 'indexing').toBe(true);
  expect(state.search.records).toBeGreaterThan(1);
  // The index is in parts by year (the content has stories of 2025 and 2026): a publish writes its own part only.
  expect(state.search.parts).toBeGreaterThan(1);
  expect(state.search.written).toBe(1);

  // The section filter keeps it; another section's does not.
  await page.goto(`${service.url}/search/?q=${word}&section=${encodeURIComponent(section)}`);
  await expect(page.locator('#search-status')).toHaveText(`1 story found for “${word}”.`);
  await page.goto(`${service.url}/search/?q=${word}&section=World`);
  await expect(page.locator('#search-status')).toHaveText(`No stories found for “${word}”.`);

  await stack.client.delete(`story-${slug}`);
  const gone = await searchUntil(page, service.url, word, (s) => s.startsWith('No stories'));
  expect(gone).toBe(`No stories found for “${word}”.`);
  await expect(page.locator('.search-result')).toHaveCount(0);
});
