import { expect, test } from './fixtures.ts';

// Draft previews and "Open on site" in the real Studio against the newsroom: the Preview view shows the draft as the
// site will render it (rendered by the rebuild service's preview server), the live site does not, and a preview
// link without its token is refused.

test.use({ timezoneId: 'UTC', locale: 'en-GB', ignoreHTTPSErrors: true });
test.describe.configure({ timeout: 300_000 });

/** How long to wait between measured edits, so that the preview's build process has bundled again (about 8 s). */
const WARM_MS = 12_000;

/** Stories imported from content/ (other specs add stories of their own to the same lake, some incomplete). */
const PREVIEWED = 'story-us-china-trade-truce-busan';
const OPENED = 'story-witkoff-moscow-putin-peace-talks';

test('a draft shows in the preview and not on the site', async ({ newsroom, sanity, openStudio, snap }) => {
  const site = newsroom.urls.site ?? '';
  const preview = newsroom.urls.preview ?? '';
  expect(preview).not.toBe('');
  const { _id: id, slug } = await sanity.fetch<{ _id: string; slug: string }>(
    '*[_id == $id][0]{_id, "slug": slug.current}',
    { id: PREVIEWED },
  );
  const page = await openStudio('editor', `structure/stories;all-stories;${id}`);
  const headline = page.getByRole('textbox', { name: 'Headline' });
  await expect(headline).toBeVisible({ timeout: 60_000 });

  const frame = page.frameLocator('iframe[title="Preview: not published"]');
  await test.step('the Preview view shows the published story, marked as a preview', async () => {
    await page.getByRole('tab', { name: 'Preview' }).click();
    await expect(frame.locator('.preview-banner')).toHaveText('Preview: not published', { timeout: 60_000 });
    await expect(frame.locator('.preview-banner')).toHaveCount(1);
    await expect(frame.locator('h1').first()).toHaveText(await sanity.fetch<string>('*[_id == $id][0].title', { id }));
    await snap(page, 'preview-published');
  });

  const times: number[] = [];
  const saves: number[] = [];
  await test.step('each edit of the headline shows in the preview, not on the site', async () => {
    // Form and preview side by side: the form in one pane, the preview in a split pane.
    for (let i = 1; i <= 5; i += 1) {
      await page.waitForTimeout(WARM_MS);
      const title = `Draft headline number ${i}, not yet published`;
      await page.getByRole('tab', { name: 'Edit' }).click();
      const started = Date.now();
      await headline.fill(title);
      await page.getByRole('tab', { name: 'Preview' }).click();
      // When the Studio's save reached the dataset (the preview can show nothing sooner).
      const saved = expect
        .poll(() => sanity.fetch<string | null>('*[_id == $id][0].title', { id: `drafts.${id}` }), {
          timeout: 60_000,
          intervals: [50],
        })
        .toBe(title)
        .then(() => saves.push(Date.now() - started));
      await expect(frame.locator('h1').first()).toHaveText(title, { timeout: 60_000 });
      times.push(Date.now() - started);
      await saved;
      if (i === 1) await snap(page, 'preview-draft');
      const live = await (await fetch(`${site}/news/${slug}/`)).text();
      expect(live).not.toContain(title);
      expect(live).not.toContain('Preview: not published');
    }
    const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
    console.log(
      `[preview e2e] draft edit to preview: ${times.join(', ')} ms, median ${median(times)} ms; edit to saved in the dataset: ${saves.join(', ')} ms, median ${median(saves)} ms`,
    );
  });

  await test.step('the preview link without its token, or with another document, is refused', async () => {
    const src = (await page.locator('iframe[title="Preview: not published"]').getAttribute('src')) ?? '';
    expect(src.startsWith(`${preview}/__preview/doc/${id}?token=`)).toBe(true);
    expect((await fetch(src)).status).toBe(200);
    const bare = new URL(src);
    bare.searchParams.delete('token');
    const refused = await fetch(bare);
    expect(refused.status).toBe(403);
    expect(await refused.text()).not.toContain('Draft headline number');
    const other = await sanity.fetch<string>(
      '*[_type == "story" && _id != $id && !(_id in path("drafts.**"))][0]._id',
      { id },
    );
    expect((await fetch(src.replace(`/doc/${id}?`, `/doc/${other}?`))).status).toBe(403);
    const unsigned = await page.context().newPage();
    await unsigned.goto(bare.href);
    await expect(unsigned.getByText('This preview link is not valid')).toBeVisible();
    await snap(unsigned, 'preview-refused');
    await unsigned.close();
  });
});

test('"Open on site" opens the published story\'s live page', async ({ newsroom, sanity, openStudio, snap }) => {
  const site = newsroom.urls.site ?? '';
  const { _id: id, slug } = await sanity.fetch<{ _id: string; slug: string }>(
    '*[_id == $id][0]{_id, "slug": slug.current}',
    { id: OPENED },
  );
  const page = await openStudio('editor', `structure/stories;all-stories;${id}`);
  await expect(page.getByRole('textbox', { name: 'Headline' })).toBeVisible({ timeout: 90_000 });
  await page.getByTestId('pane-footer').getByTestId('action-menu-button').click();
  const open = page.getByRole('menuitem', { name: 'Open on site' });
  await expect(open).toBeEnabled();
  await expect(page.getByRole('menuitem', { name: 'Copy public URL' })).toBeEnabled();
  await snap(page, 'open-on-site-menu');
  const [live] = await Promise.all([page.context().waitForEvent('page'), open.click()]);
  await live.waitForLoadState();
  expect(live.url()).toBe(`${site}/news/${slug}/`);
  await expect(live.locator('link[rel="canonical"]')).toHaveAttribute('href', `${site}/news/${slug}/`);
  await snap(live, 'open-on-site-live');
});
