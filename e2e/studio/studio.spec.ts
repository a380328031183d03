import sharp from 'sharp';
import { messages } from '../../schemas/validation.ts';
import { blockRemote, expect, test } from './fixtures.ts';
import {
  STUDIO_OPEN_MS,
  addArrayReference,
  pickReference,
  publishFromStudio,
  storyId,
  untilSite,
  waitForPublished,
} from './steps.ts';

// Editors in the real Sanity Studio (sanity 6.8, this project's config and schemas) against the lake: the Studio
// built once and served locally, the lake over HTTPS + HTTP/2, Debian's Chromium, nothing from the network.
// What the Studio did is read back with @sanity/client.

// Dates are typed and read in UTC; a first run builds the Studio (~30 s) in the worker fixture.
test.use({ timezoneId: 'UTC', locale: 'en-GB', ignoreHTTPSErrors: true });
test.describe.configure({ timeout: 180_000 });

// An hour ago, to the minute: newer than every demo story, so the story leads the home page once published.
const PUBLISHED = new Date(Math.floor((Date.now() - 3_600_000) / 60_000) * 60_000);
const PUBLISHED_AT = PUBLISHED.toISOString();
/** The time as the Studio's date-time input takes it (the browser runs in UTC). */
const PUBLISHED_INPUT = PUBLISHED_AT.slice(0, 16).replace('T', ' ');

/** A photo-like JPEG for the main image upload. */
async function photo(): Promise<Buffer> {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="1200" height="800"><defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="#1d4e89"/><stop offset="1" stop-color="#f2a541"/></linearGradient></defs><rect width="1200" height="800" fill="url(#g)"/><circle cx="800" cy="300" r="160" fill="#fff" opacity="0.6"/></svg>`;
  return sharp(Buffer.from(svg)).jpeg({ quality: 80 }).toBuffer();
}

test('an editor writes, publishes, edits, republishes and unpublishes a story, and the site follows', async ({
  openStudio,
  sanity,
  snap,
  newsroom,
}, testInfo) => {
  const site = newsroom.urls.site ?? '';
  expect(site).not.toBe('');
  const title = `Budget vote delayed as talks run late ${Date.now()}`;
  const page = await openStudio('editor', 'structure/stories;all-stories');

  await test.step('the Studio loads against the lake and lists the stories', async () => {
    await expect(page.getByRole('listbox', { name: 'All stories' }).getByRole('option').first()).toBeVisible({
      timeout: STUDIO_OPEN_MS,
    });
    expect(await page.getByRole('listbox', { name: 'All stories' }).getByRole('option').count()).toBeGreaterThan(10);
    await snap(page, 'story-list');
  });

  let id = '';
  let slug = '';
  // When the lake wrote the published document (its _updatedAt): publish-to-live is measured from there.
  let publishedAt = 0;
  await test.step('a new story: headline, slug, dek, body with a lead-in, time, section, tags, author', async () => {
    await page.getByRole('link', { name: 'Story' }).click();
    await page.getByRole('textbox', { name: 'Headline' }).fill(title);
    await page.getByRole('button', { name: 'Generate' }).click();
    await page
      .getByRole('textbox', { name: 'Dek' })
      .fill('Lawmakers put off the final vote on the spending plan until next week.');
    const body = page.locator('[contenteditable="true"]').first();
    await body.click();
    // The Lead-in decorator on for the label, off for the rest, as an editor toggles it from the toolbar.
    const leadIn = page.getByRole('button', { name: 'Lead-in label' });
    await leadIn.click();
    await page.keyboard.type('Why it matters:');
    await leadIn.click();
    await page.keyboard.type(' the delay pushes the deadline past the end of the fiscal year.');
    await page.getByRole('textbox', { name: 'Published at' }).fill(PUBLISHED_INPUT);
    await page.getByRole('textbox', { name: 'Published at' }).press('Tab');
    await pickReference(page, page.getByRole('combobox', { name: 'Section' }), 'Politics', 'US Politics');
    await addArrayReference(page, 'Tags', 'Trump', 'Donald Trump');
    await addArrayReference(page, 'Tags', 'Rubio', 'Marco Rubio');
    await addArrayReference(page, 'Authors', 'Jane', 'Jane Park');
    id = await storyId(sanity, title);
    await snap(page, 'story-written');
  });

  await test.step('a main image is uploaded and described', async () => {
    const image = page
      .getByRole('group')
      .filter({ has: page.getByText('Main image', { exact: true }) })
      .last();
    // The Upload button is a label around a hidden file input; the input takes the file directly.
    await image
      .locator('input[type="file"]')
      .first()
      .setInputFiles({ name: 'capitol.jpg', mimeType: 'image/jpeg', buffer: await photo() });
    await expect(image.locator('img').first()).toBeVisible({ timeout: 20_000 });
    await image.getByRole('textbox', { name: 'Alternative text' }).fill('The Capitol dome at dusk');
    await snap(page, 'image-uploaded');
  });

  await test.step('publishing writes the published document with every field', async () => {
    await publishFromStudio(page);
    const doc = await waitForPublished(sanity, id, (found) => found['title'] === title);
    expect(doc).toMatchObject({
      _type: 'story',
      title,
      slug: { current: expect.stringMatching(/^budget-vote-delayed-as-talks-run-late-\d+$/) },
      dek: 'Lawmakers put off the final vote on the spending plan until next week.',
      publishedAt: PUBLISHED_AT,
      section: { _ref: 'section-us-politics' },
      mainImage: {
        alt: 'The Capitol dome at dusk',
        asset: { _ref: expect.stringMatching(/^image-[0-9a-f]{40}-1200x800-jpg$/) },
      },
    });
    expect((doc['tags'] as { _ref: string }[]).map((tag) => tag._ref)).toHaveLength(2);
    expect((doc['authors'] as { _ref: string }[]).length).toBe(1);
    const [block] = doc['body'] as { children: { text: string; marks: string[] }[] }[];
    expect(block?.children[0]).toMatchObject({ text: 'Why it matters:', marks: ['leadIn'] });
    expect(block?.children.map((child) => child.text).join('')).toBe(
      'Why it matters: the delay pushes the deadline past the end of the fiscal year.',
    );
    expect(await sanity.getDocument(`drafts.${id}`)).toBeUndefined();
    slug = (doc['slug'] as { current: string }).current;
    publishedAt = Date.parse(String(doc['_updatedAt']));
    await snap(page, 'published');
  });

  await test.step('the webhook rebuilds the site: the story page, its tags, section, image and Similar News, tag page and home', async () => {
    const url = `${site}/news/${slug}/`;
    const ms = (await untilSite(url, (status) => status === 200)) - publishedAt;
    testInfo.annotations.push({
      type: 'publish-to-live',
      description: `${ms} ms from the published document to the live page`,
    });
    console.log(`[studio e2e] story live ${ms} ms after the publish was written`);
    const reader = await page.context().newPage();
    await reader.goto(url);
    await expect(reader.locator('h1')).toHaveText(title);
    await expect(reader.locator('.kicker .section-label')).toHaveText('US Politics');
    await expect(reader.locator('.story-tags a')).toHaveText(['Donald Trump', 'Marco Rubio']);
    await expect(reader.locator('.story-body .lead-in')).toHaveText('Why it matters:');
    const image = reader.locator('.story-image img');
    await expect(image).toHaveAttribute('alt', 'The Capitol dome at dusk');
    await expect
      .poll(() => image.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth))
      .toBeGreaterThan(0);
    await expect(reader.locator('.similar li')).toHaveCount(5);
    await reader.screenshot({ path: testInfo.outputPath('site-story.png'), fullPage: true });
    for (const listing of ['/tags/donald-trump/', '/tags/marco-rubio/', '/section/us-politics/', '/']) {
      await reader.goto(`${site}${listing}`);
      await expect(reader.locator(`a[href="/news/${slug}/"]`).first(), listing).toBeVisible();
    }
    await reader.close();
  });

  const updated = `${title} (updated)`;
  await test.step('editing the headline and publishing again replaces the published story', async () => {
    const headline = page.getByRole('textbox', { name: 'Headline' });
    await headline.fill(updated);
    await expect(page.getByTestId('action-publish')).toBeEnabled();
    await snap(page, 'headline-edited');
    await publishFromStudio(page);
    // Publish asks whether a change to a live story is an update for readers (e2e/studio/publish.spec.ts); not here.
    await page.getByRole('dialog').getByRole('button', { name: 'Publish without update' }).click();
    const doc = await waitForPublished(sanity, id, (found) => found['title'] === updated);
    expect(doc['dek']).toBe('Lawmakers put off the final vote on the spending plan until next week.');
    await expect.poll(() => sanity.getDocument(`drafts.${id}`)).toBeUndefined();
    await snap(page, 'republished');
    const live = await untilSite(
      `${site}/news/${slug}/`,
      (status, html) => status === 200 && html.includes('(updated)</h1>'),
    );
    const ms = live - Date.parse(String(doc['_updatedAt']));
    console.log(`[studio e2e] new headline live ${ms} ms after the republish was written`);
  });

  await test.step('unpublishing removes the published story and keeps it as a draft', async () => {
    // The Studio offers Unpublish on the published version: the editor switches to it, and it is the main action there.
    await page.getByTestId('document-header-Published-chip').click();
    await page.getByRole('button', { name: 'Unpublish', exact: true }).click();
    await expect(page.getByText(`Unpublish “${updated}”? It leaves the site`)).toBeVisible();
    await snap(page, 'unpublish-dialog');
    await page.getByRole('button', { name: 'Unpublish now' }).click();
    await expect.poll(() => sanity.getDocument(id), { timeout: 20_000 }).toBeUndefined();
    expect(await sanity.getDocument(`drafts.${id}`)).toMatchObject({ title: updated });
    await expect(page.getByRole('textbox', { name: 'Headline' })).toHaveValue('');
    await snap(page, 'unpublished');
    // The site drops it: its page answers 404 and no listing links to it any more.
    await untilSite(`${site}/news/${slug}/`, (status) => status === 404);
    for (const listing of ['/', '/tags/donald-trump/', '/section/us-politics/']) {
      const html = await (await fetch(`${site}${listing}`)).text();
      expect(html, listing).not.toContain(`/news/${slug}/`);
    }
    // Back on the draft, the story is all there and can be published again.
    await page.getByTestId('document-header-Draft-chip').click();
    await expect(page.getByRole('textbox', { name: 'Headline' })).toHaveValue(updated);
    await expect(page.getByTestId('action-publish')).toBeEnabled();
    await snap(page, 'draft-after-unpublish');
  });
});

test("validation blocks publishing with the editors' wording: a headline over 120 characters, an image without alt text", async ({
  openStudio,
  sanity,
  snap,
}) => {
  const title = `${'A headline that keeps going well past the point where phones cut it off '.repeat(2)}${Date.now()}`;
  expect(title.length).toBeGreaterThan(120);
  const page = await openStudio('editor', 'structure/stories;all-stories');
  await page.getByRole('link', { name: 'Story' }).click();
  await page.getByRole('textbox', { name: 'Headline' }).fill(title);
  await page.getByRole('button', { name: 'Generate' }).click();
  await page.getByRole('textbox', { name: 'Dek' }).fill('A dek.');
  await page.locator('[contenteditable="true"]').first().click();
  await page.keyboard.type('A body.');
  await pickReference(page, page.getByRole('combobox', { name: 'Section' }), 'World', 'World');
  await addArrayReference(page, 'Authors', 'Jane', 'Jane Park');
  const image = page
    .getByRole('group')
    .filter({ has: page.getByText('Main image', { exact: true }) })
    .last();
  await image
    .locator('input[type="file"]')
    .first()
    .setInputFiles({ name: 'no-alt.jpg', mimeType: 'image/jpeg', buffer: await photo() });
  await expect(image.locator('img').first()).toBeVisible({ timeout: 20_000 });
  const id = await storyId(sanity, title);

  // Each field's error icon shows its message on hover, as editors see it.
  await page.getByTestId('input-validation-icon-error').first().hover();
  await expect(page.getByText(`${messages.headlineTooLong} (${title.length} characters, limit 120)`)).toBeVisible();
  await snap(page, 'validation-headline');
  await image.getByTestId('input-validation-icon-error').last().hover();
  await expect(page.getByText(messages.altMissing)).toBeVisible();
  await snap(page, 'validation-alt-text');
  const publish = page.getByTestId('action-publish');
  await expect(publish).toBeDisabled();
  await publish.hover({ force: true });
  await expect(
    page.getByText('There are validation errors that need to be fixed before this document can be published'),
  ).toBeVisible();
  await snap(page, 'validation-blocks-publish');
  // Nothing reached the published document, whatever the buttons did.
  expect(await sanity.getDocument(id)).toBeUndefined();

  await image.getByRole('textbox', { name: 'Alternative text' }).fill('A described image');
  await expect(image.getByTestId('input-validation-icon-error')).toHaveCount(0);
  await expect(publish).toBeDisabled();
  await page.getByRole('textbox', { name: 'Headline' }).fill('A headline of a sensible length');
  await expect(publish).toBeEnabled({ timeout: 20_000 });
  await snap(page, 'validation-fixed');
});

test('a viewer can read but not publish: the Studio says so, and the API refuses with 403', async ({
  openStudio,
  sanity,
  newsroom,
  snap,
}) => {
  const id = 'story-fed-chair-succession-explainer';
  // The demo content has this story as a draft, so there is something to publish.
  expect(await sanity.getDocument(`drafts.${id}`)).toBeDefined();
  const page = await openStudio('viewer', `structure/stories;all-stories;${id}`);
  await expect(page.getByText(/does not have permission to edit this document/)).toBeVisible({ timeout: 30_000 });
  await expect(page.getByRole('textbox', { name: 'Headline' })).toHaveAttribute('readonly', '');
  await expect(page.getByTestId('action-publish')).toBeDisabled();
  await snap(page, 'viewer-read-only');

  const response = await fetch(`${newsroom.urls.apiHttp}/v2025-02-19/data/actions/${newsroom.dataset}`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${newsroom.tokens.viewer}`,
      'content-type': 'application/json',
      'x-sanity-project-id': newsroom.projectId,
    },
    body: JSON.stringify({
      actions: [{ actionType: 'sanity.action.document.publish', draftId: `drafts.${id}`, publishedId: id }],
    }),
  });
  expect(response.status).toBe(403);
  expect(await response.json()).toMatchObject({
    error: { items: [{ error: { type: 'insufficientPermissionsError', permission: 'update' } }] },
  });
  expect(await sanity.getDocument(`drafts.${id}`)).toBeDefined();
});

test('the sign-in link the newsroom prints opens the Studio signed in, once; a page elsewhere cannot use the API', async ({
  browser,
  newsroom,
  sanity,
  snap,
}) => {
  const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1400, height: 1000 } });
  try {
    await blockRemote(context);
    const link = newsroom.signInLink('editor');
    expect(link).not.toContain(newsroom.tokens.editor);
    const page = await context.newPage();
    await page.goto(link);
    await page.goto(new URL('structure/stories;all-stories', newsroom.urls.studio).toString());
    await expect(page.getByRole('listbox', { name: 'All stories' }).getByRole('option').first()).toBeVisible({
      timeout: STUDIO_OPEN_MS,
    });
    await snap(page, 'signed-in-by-link');
    const again = await context.newPage();
    const response = await again.goto(link);
    expect(response?.status()).toBe(403);
    expect(await again.content()).not.toContain(newsroom.tokens.editor);

    // A page from another origin, with the editor's token in hand, is refused by the lake (CORS and 403).
    const elsewhere = await context.newPage();
    await elsewhere.route('http://localhost:9/', (route) =>
      route.fulfill({ contentType: 'text/html', body: '<!doctype html><title>elsewhere</title>' }),
    );
    await elsewhere.goto('http://localhost:9/');
    const outcome = await elsewhere.evaluate(
      async ([api, token]) => {
        try {
          const res = await fetch(`${api}/v2025-02-19/data/mutate/production`, {
            method: 'POST',
            headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
            body: JSON.stringify({ mutations: [{ create: { _id: 'planted-by-page', _type: 'story' } }] }),
          });
          return `status ${res.status}`;
        } catch (error) {
          return `blocked: ${String(error)}`;
        }
      },
      [newsroom.urls.api.replace('://', `://${newsroom.projectId}.`), newsroom.tokens.editor] as const,
    );
    expect(outcome).toMatch(/^blocked/);
  } finally {
    await context.close();
  }
  expect(await sanity.getDocument('planted-by-page')).toBeUndefined();
});
