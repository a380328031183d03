import type { Page } from '@playwright/test';
import { formatDateTime } from '../../src/lib/site/dates.ts';
import { expect, test } from './fixtures.ts';
import {
  LIVE_TIMEOUT_MS,
  STUDIO_OPEN_MS,
  pickReference,
  publishFromStudio,
  storyId,
  untilSite,
  waitForPublished,
} from './steps.ts';

// Publish times, updates, Unpublish and scheduling in the real Studio against the lake, in a newsroom whose time zone
// is not the browser's: the site, the feed and the Studio must all show times in the newsroom's zone, named.
const ZONE = 'Asia/Tokyo';
test.use({ newsroomTimeZone: ZONE, timezoneId: 'UTC', locale: 'en-GB', ignoreHTTPSErrors: true });
test.describe.configure({ timeout: 420_000 });

/** A time as the Studio's date-time input takes it, in the newsroom's zone (Tokyo: UTC+9, no daylight saving). */
function tokyoInput(ms: number): string {
  return new Date(ms + 9 * 3_600_000).toISOString().slice(0, 16).replace('T', ' ');
}

/** Writes a new story with everything but the publish time. */
async function writeStory(page: Page, title: string): Promise<void> {
  await page.getByRole('link', { name: 'Story' }).click();
  await page.getByRole('textbox', { name: 'Headline' }).fill(title);
  await page.getByRole('button', { name: 'Generate' }).click();
  await page.getByRole('textbox', { name: 'Dek' }).fill('Lawmakers put off the final vote until next week.');
  await page.locator('[contenteditable="true"]').first().click();
  await page.keyboard.type('The delay pushes the deadline past the end of the fiscal year.');
  await pickReference(page, page.getByRole('combobox', { name: 'Section' }), 'Politics', 'US Politics');
  const authors = page
    .getByRole('group')
    .filter({ has: page.getByText('Authors', { exact: true }) })
    .last();
  await authors.getByRole('button', { name: 'Add item' }).click();
  await pickReference(page, authors.getByRole('combobox').last(), 'Jane', 'Jane Park');
}

test('publishing sets Published at to the publish time; an update sets Updated at and the note; Unpublish is in the actions', async ({
  openStudio,
  sanity,
  snap,
  newsroom,
}, testInfo) => {
  expect(newsroom.timeZone).toBe(ZONE);
  const site = newsroom.urls.site ?? '';
  const title = `Budget vote delayed again ${Date.now()}`;
  const page = await openStudio('editor', 'structure/stories;all-stories');
  await expect(page.getByRole('listbox', { name: 'All stories' }).getByRole('option').first()).toBeVisible({
    timeout: STUDIO_OPEN_MS,
  });

  let id = '';
  let slug = '';
  let firstPublishedAt = '';
  await test.step('a new story has no publish time until it is published; the form says Publish sets it', async () => {
    await writeStory(page, title);
    id = await storyId(sanity, title);
    await expect(page.getByRole('textbox', { name: 'Published at' })).toHaveValue('');
    await expect(page.getByTestId('published-at-note')).toHaveText('Empty: Publish sets it to the moment you publish.');
    await snap(page, 'publish-times-draft');
  });

  await test.step('publishing sets Published at to the moment of the publish, not the draft’s creation', async () => {
    const draft = await sanity.getDocument(`drafts.${id}`);
    expect(draft?.['publishedAt']).toBeUndefined();
    const created = Date.parse(String(draft?._createdAt));
    // A story drafted a while before it is published: its time must be the publish's.
    await page.waitForTimeout(Math.max(0, created + 3_000 - Date.now()));
    const clicked = Date.now();
    await publishFromStudio(page);
    const doc = await waitForPublished(sanity, id, (found) => found['title'] === title);
    firstPublishedAt = String(doc['publishedAt']);
    const at = Date.parse(firstPublishedAt);
    expect(at).toBeGreaterThanOrEqual(clicked - 1_000);
    expect(at).toBeLessThanOrEqual(Date.parse(String(doc['_updatedAt'])) + 1_000);
    expect(at - created).toBeGreaterThanOrEqual(2_000);
    expect(doc['updatedAt']).toBeUndefined();
    slug = (doc['slug'] as { current: string }).current;
    const live = await untilSite(`${site}/news/${slug}/`, (status) => status === 200);
    const ms = live - Date.parse(String(doc['_updatedAt']));
    testInfo.annotations.push({ type: 'publish-to-live', description: `${ms} ms` });
    console.log(`[publish e2e] new story live ${ms} ms after the publish was written`);
    const html = await (await fetch(`${site}/news/${slug}/`)).text();
    // The site prints the time in the newsroom's zone, named.
    expect(html).toContain(
      `Published <time datetime="${new Date(at).toISOString()}">${formatDateTime(firstPublishedAt, ZONE)}</time>`,
    );
    expect(formatDateTime(firstPublishedAt, ZONE)).toMatch(/ GMT\+9$/);
    await expect(page.getByTestId('published-at-note')).toHaveText(
      `On the site as ${formatDateTime(firstPublishedAt, ZONE)}.`,
    );
    await snap(page, 'publish-times-published');
  });

  const note = 'Adds the minister’s response.';
  await test.step('republishing asks whether it is an update: as an update, Updated at and the note are set', async () => {
    await page.getByRole('textbox', { name: 'Dek' }).fill('Lawmakers put off the final vote; the minister responds.');
    const clicked = Date.now();
    await publishFromStudio(page);
    const dialog = page.getByRole('dialog');
    await expect(dialog.getByText('Is this an update for readers?')).toBeVisible();
    await dialog.getByRole('textbox', { name: 'Update note (optional)' }).fill(note);
    await snap(page, 'publish-update-dialog');
    await dialog.getByRole('button', { name: 'Publish as update' }).click();
    const doc = await waitForPublished(sanity, id, (found) => found['updateNote'] === note);
    expect(doc['publishedAt']).toBe(firstPublishedAt);
    const updatedAt = String(doc['updatedAt']);
    expect(Date.parse(updatedAt)).toBeGreaterThanOrEqual(clicked - 1_000);
    expect(doc['dek']).toBe('Lawmakers put off the final vote; the minister responds.');
    await untilSite(`${site}/news/${slug}/`, (status, html) => status === 200 && html.includes('minister responds'));
    const html = await (await fetch(`${site}/news/${slug}/`)).text();
    expect(html).toContain(
      `Updated <time datetime="${new Date(updatedAt).toISOString()}">${formatDateTime(updatedAt, ZONE)}</time>`,
    );
    expect(html).toContain('Adds the minister’s response.');
    const rss = await (await fetch(`${site}/rss.xml`)).text();
    expect(rss).toContain(`<atom:updated>${new Date(updatedAt).toISOString()}</atom:updated>`);
    expect(rss).toContain(`Updated ${formatDateTime(updatedAt, ZONE)}: Adds the minister’s response.</description>`);
    const reader = await page.context().newPage();
    await reader.goto(`${site}/news/${slug}/`);
    await expect(reader.locator('.update-note')).toHaveText(note);
    await reader.screenshot({ path: testInfo.outputPath('site-updated-story.png') });
    await reader.close();
    await snap(page, 'publish-updated');
  });

  await test.step('a correction published without update leaves Updated at and the note as they were', async () => {
    const before = await sanity.getDocument(id);
    await page.getByRole('textbox', { name: 'Headline' }).fill(`${title} (corrected)`);
    await publishFromStudio(page);
    const dialog = page.getByRole('dialog');
    await dialog.getByRole('button', { name: 'Publish without update' }).click();
    const doc = await waitForPublished(sanity, id, (found) => found['title'] === `${title} (corrected)`);
    expect(doc['updatedAt']).toBe(before?.['updatedAt']);
    expect(doc['updateNote']).toBe(note);
    expect(doc['publishedAt']).toBe(firstPublishedAt);
  });

  await test.step('Unpublish is in the document actions of the drafts view', async () => {
    await expect.poll(() => sanity.getDocument(`drafts.${id}`)).toBeUndefined();
    await page.getByTestId('pane-footer').getByRole('button', { name: 'Open document actions' }).click();
    await snap(page, 'unpublish-in-actions');
    await page.getByTestId('action-Unpublish').click();
    // A confirmation popover by the button.
    await expect(page.getByText(`Unpublish “${title} (corrected)”? It leaves the site`)).toBeVisible();
    await snap(page, 'unpublish-confirm');
    await page.getByRole('button', { name: 'Unpublish now' }).click();
    await expect.poll(() => sanity.getDocument(id), { timeout: 20_000 }).toBeUndefined();
    expect(await sanity.getDocument(`drafts.${id}`)).toMatchObject({ title: `${title} (corrected)` });
    await untilSite(`${site}/news/${slug}/`, (status) => status === 404);
    await snap(page, 'unpublished');
  });
});

test('a scheduled story is listed as scheduled, the form says when it goes live, and it goes live at its time', async ({
  openStudio,
  sanity,
  snap,
  newsroom,
}, testInfo) => {
  const site = newsroom.urls.site ?? '';
  const title = `Senate schedules the budget vote ${Date.now()}`;
  const page = await openStudio('editor', 'structure/stories;all-stories');
  let goLive = 0;
  let label = '';
  let id = '';
  let slug = '';

  await test.step('a time ahead schedules the story: the form and a badge say when it goes live, in the zone', async () => {
    await writeStory(page, title);
    id = await storyId(sanity, title);
    // The next whole minute at least two minutes away (the input takes minutes): time for the steps before it.
    goLive = Math.ceil((Date.now() + 120_000) / 60_000) * 60_000;
    label = `Scheduled: goes live ${formatDateTime(new Date(goLive).toISOString(), ZONE)}`;
    expect(label).toMatch(/ GMT\+9$/);
    const input = page.getByRole('textbox', { name: 'Published at' });
    await input.fill(tokyoInput(goLive));
    await input.press('Tab');
    await expect(page.getByTestId('published-at-note')).toHaveText(`${label} (the newsroom's time zone is ${ZONE}).`);
    await expect(page.getByText(label, { exact: true })).toBeVisible();
    await snap(page, 'scheduled-form');
  });

  await test.step('publishing keeps the time the editor set; the site does not show the story yet', async () => {
    await publishFromStudio(page);
    const doc = await waitForPublished(sanity, id, (found) => found['title'] === title);
    expect(doc['publishedAt']).toBe(new Date(goLive).toISOString());
    slug = (doc['slug'] as { current: string }).current;
    // The rebuild that follows the publish has seen the story, left it out, and scheduled a rebuild for its time.
    await expect
      .poll(async () => {
        const status = (await (await fetch(`${site}/status`)).json()) as {
          queue: { building: boolean; pending: boolean; nextScheduled: string | null };
        };
        return status.queue.nextScheduled === new Date(goLive).toISOString() && !status.queue.building;
      })
      .toBe(true);
    const response = await fetch(`${site}/news/${slug}/`);
    expect(response.status).toBe(404);
    await expect(page.getByText(label, { exact: true })).toBeVisible();
  });

  await test.step('the story lists show it as scheduled, with its time and zone', async () => {
    const list = await openStudio('editor', 'structure/stories;all-stories');
    const option = list.getByRole('listbox', { name: 'All stories' }).getByRole('option').filter({ hasText: title });
    await expect(option).toContainText(
      `Scheduled: ${formatDateTime(new Date(goLive).toISOString(), ZONE)} · US Politics`,
      {
        timeout: 30_000,
      },
    );
    await snap(list, 'scheduled-in-list');
    expect(Date.now()).toBeLessThan(goLive);
  });

  await test.step('the rebuild service puts it on the site at its time', async () => {
    expect((await fetch(`${site}/news/${slug}/`)).status).toBe(404);
    const live = await untilSite(
      `${site}/news/${slug}/`,
      (status) => status === 200,
      goLive - Date.now() + LIVE_TIMEOUT_MS,
    );
    expect(live).toBeGreaterThanOrEqual(goLive);
    const ms = live - goLive;
    testInfo.annotations.push({ type: 'scheduled-to-live', description: `${ms} ms after its time` });
    console.log(`[publish e2e] scheduled story live ${ms} ms after its time`);
    const home = await (await fetch(`${site}/`)).text();
    expect(home).toContain(`/news/${slug}/`);
    // Reopened, the form no longer calls it scheduled (the form takes a while to load on a busy machine).
    await page.reload();
    await expect(page.getByTestId('published-at-note')).toHaveText(
      `On the site as ${formatDateTime(new Date(goLive).toISOString(), ZONE)}.`,
      { timeout: 60_000 },
    );
    await expect(page.getByText(label, { exact: true })).toHaveCount(0);
    await snap(page, 'scheduled-live');
  });
});
