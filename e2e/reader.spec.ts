import { expect, test } from '@playwright/test';

// A reader's journey over the demo site built from content/.
test('a reader goes from the home page to a story, a tag, the tag index, Similar News and tag pages', async ({
  page,
}) => {
  await page.goto('/');
  await expect(page).toHaveTitle(/Newsdesk/);
  const lead = page.locator('.lead-story .card-title a');
  const leadTitle = (await lead.textContent())?.trim() ?? '';
  expect(leadTitle.length).toBeGreaterThan(10);
  // Every section with stories has a rail on the home page.
  expect(await page.locator('.rail').count()).toBeGreaterThanOrEqual(5);

  await lead.click();
  await expect(page).toHaveURL(/\/news\/[a-z0-9-]+\/$/);
  await expect(page.locator('h1')).toHaveText(leadTitle);
  await expect(page.locator('.dek')).not.toBeEmpty();
  await expect(page.locator('.byline a[rel=author]').first()).toBeVisible();
  await expect(page.locator('.times time').first()).toHaveAttribute('datetime', /^\d{4}-\d{2}-\d{2}T/);
  await expect(page.locator('.kicker .section-label')).toBeVisible();
  await expect(page.locator('.similar li')).toHaveCount(5);

  const tag = page.locator('.story-tags a[rel=tag]').first();
  const tagName = (await tag.textContent())?.trim() ?? '';
  await tag.click();
  await expect(page).toHaveURL(/\/tags\/[a-z0-9-]+\/$/);
  await expect(page.locator('h1')).toHaveText(tagName);
  await expect(page.locator('.story-list .card-title a', { hasText: leadTitle })).toHaveCount(1);

  await page.locator('.kicker a[href="/tags/"]').click();
  await expect(page).toHaveURL(/\/tags\/$/);
  await expect(page.locator('.popular-tags li').first()).toBeVisible();
  const letters = page.locator('.letters a');
  expect(await letters.count()).toBeGreaterThan(5);
  // Letter anchors point at sections of the page.
  const anchor = await letters.first().getAttribute('href');
  expect(anchor).toMatch(/^#letter-/);
  await expect(page.locator(anchor ?? '#none')).toBeAttached();

  // The most used tag has an archive page: page through it (the front page shows the newest stories down to the
  // start of an archive page; archive pages are numbered from the oldest, 10 stories each).
  const popular = page.locator('.popular-tags a').first();
  const count = Number((await popular.locator('.count').textContent())?.trim());
  expect(count).toBeGreaterThan(20);
  await popular.click();
  const tagUrl = new URL(page.url()).pathname;
  const front = await page.locator('.story-list > li').count();
  expect(front).toBeGreaterThan(10);
  await expect(page.locator('.pagination .page-count')).toHaveText('Latest');
  await page.locator('.pagination a[rel=next]').click();
  await expect(page).toHaveURL(new RegExp(`${tagUrl}\\d+/$`));
  await expect(page.locator('.story-list > li')).toHaveCount(10);
  await expect(page.locator('.page-count')).toHaveText(/^Archive: .+ to .+/);
  await page.locator('.pagination a[rel=prev]').click();
  await expect(page).toHaveURL(new RegExp(`${tagUrl}$`));

  // Similar News leads to another story.
  await page.locator('.story-list .card-title a').first().click();
  const firstStory = new URL(page.url()).pathname;
  const similar = page.locator('.similar .card-title a').first();
  const similarTitle = (await similar.textContent())?.trim() ?? '';
  await similar.click();
  await expect(page).not.toHaveURL(new RegExp(`${firstStory}$`));
  await expect(page.locator('h1')).toHaveText(similarTitle);
});

test('the 28-point plan story shows its source, update note, section and tags', async ({ page }) => {
  await page.goto('/news/us-drafted-28-point-plan-ukraine-war/');
  await expect(page.locator('h1')).toContainText('28-point');
  await expect(page.locator('.kicker .section-label')).toHaveText('World');
  await expect(page.locator('.source a')).toHaveAttribute('href', /^https:\/\//);
  await expect(page.locator('.update-note')).toContainText('Update:');
  await expect(page.locator('.times time')).toHaveCount(2);
  for (const name of ['Ukraine', 'Russia', 'Peace plan']) {
    await expect(page.locator('.story-tags a', { hasText: name })).toHaveCount(1);
  }
  await expect(page.locator('.story-body .lead-in').first()).toBeVisible();
});

test('section pages, author pages and the 404 page', async ({ page }) => {
  await page.goto('/');
  await page.locator('.section-nav a').first().click();
  await expect(page).toHaveURL(/\/section\/[a-z0-9-]+\/$/);
  await expect(page.locator('h1')).toHaveText(/news$/);
  expect(await page.locator('.story-list > li').count()).toBeGreaterThan(0);

  await page.locator('.story-list .card-title a').first().click();
  await page.locator('.byline a[rel=author]').first().click();
  await expect(page).toHaveURL(/\/authors\/[a-z0-9-]+\/$/);
  expect(await page.locator('.story-list > li').count()).toBeGreaterThan(0);

  const response = await page.goto('/no-such-page/');
  expect(response?.status()).toBe(404);
  await expect(page.locator('h1')).toHaveText('Page not found');
});

test('drafts never reach the site', async ({ page }) => {
  await page.goto('/');
  const html = await page.content();
  expect(html).not.toMatch(/data-draft/);
  // The demo content holds one draft story; its slug must answer 404.
  const { readdirSync, readFileSync } = await import('node:fs');
  const draft = readdirSync('content/stories').find((f) =>
    /^draft:\s*true/m.test(readFileSync(`content/stories/${f}`, 'utf8')),
  );
  expect(draft).toBeDefined();
  const response = await page.goto(`/news/${(draft ?? '').replace(/\.md$/, '')}/`);
  expect(response?.status()).toBe(404);
});
