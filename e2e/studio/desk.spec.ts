import type { SanityClient } from '@sanity/client';
import type { Page } from '@playwright/test';
import { expect, test } from './fixtures.ts';
import { STUDIO_OPEN_MS } from './steps.ts';

// The desk as an editor finds it in the real Studio against the lake: story lists two levels deep, latest first;
// help text on the story fields; a tag created from a story's tag picker. What the Studio saved is read back with
// @sanity/client. Screenshots of each step are kept as artifacts (test-results/studio/steps/).

test.use({ timezoneId: 'UTC', locale: 'en-GB', ignoreHTTPSErrors: true });
test.describe.configure({ timeout: 180_000 });

/** The titles of the stories the Studio's list with `filter` shows first, newest first as the desk sorts them. */
async function newestTitles(sanity: SanityClient, filter: string, params: Record<string, unknown> = {}) {
  return sanity.fetch<string[]>(`*[${filter}] | order(publishedAt desc, _updatedAt desc)[0...3].title`, params, {
    perspective: 'drafts',
  });
}

/** The structure panes in the address: `structure/stories;section-world` is two. */
function paneDepth(page: Page): number {
  const path = new URL(page.url()).pathname.replace(/^.*\/structure\/?/, '');
  return path === '' ? 0 : path.split(';').length;
}

test('the desk: every story list is two levels deep, latest first; every story field has help text', async ({
  openStudio,
  sanity,
  snap,
}) => {
  const page = await openStudio('editor', 'structure');

  await test.step('Stories opens the lists: all, by state, then one per section', async () => {
    await page.getByRole('link', { name: 'Stories' }).first().click();
    const lists = page.getByRole('listbox', { name: 'Stories' });
    await expect(lists.getByRole('option').first()).toBeVisible({ timeout: STUDIO_OPEN_MS });
    const sections = await sanity.fetch<string[]>(
      '*[_type == "section" && !(_id in path("drafts.**"))] | order(order asc, name asc).name',
    );
    expect(sections.length).toBeGreaterThan(3);
    for (const name of ['All stories', 'Drafts', 'Scheduled', 'Published', ...sections])
      await expect(lists.getByRole('option', { name, exact: true })).toBeVisible();
    await snap(page, 'desk-stories');
  });

  await test.step('a section lists its stories newest first, two levels down', async () => {
    const section = await sanity.fetch<{ _id: string; name: string }>(
      '*[_type == "section" && !(_id in path("drafts.**"))] | order(order asc, name asc)[1]{ _id, name }',
    );
    await page
      .getByRole('listbox', { name: 'Stories' })
      .getByRole('option', { name: section.name, exact: true })
      .click();
    const list = page.getByRole('listbox', { name: section.name });
    await expect(list.getByRole('option').first()).toBeVisible({ timeout: 30_000 });
    const expected = await newestTitles(sanity, '_type == "story" && section._ref == $id', { id: section._id });
    expect(expected.length).toBe(3);
    for (const [i, title] of expected.entries()) await expect(list.getByRole('option').nth(i)).toContainText(title);
    expect(paneDepth(page)).toBe(2);
    await snap(page, 'desk-section-newest-first');
  });

  let first = '';
  await test.step('All stories lists the latest first', async () => {
    await page
      .getByRole('listbox', { name: 'Stories' })
      .getByRole('option', { name: 'All stories', exact: true })
      .click();
    const list = page.getByRole('listbox', { name: 'All stories' });
    await expect(list.getByRole('option').first()).toBeVisible({ timeout: 30_000 });
    const expected = await newestTitles(sanity, '_type == "story"');
    for (const [i, title] of expected.entries()) await expect(list.getByRole('option').nth(i)).toContainText(title);
    expect(paneDepth(page)).toBe(2);
    first = expected[0] ?? '';
    await snap(page, 'desk-all-latest-first');
  });

  await test.step('a story opens from there, and every field says what it is for', async () => {
    await page.getByRole('listbox', { name: 'All stories' }).getByRole('option').first().click();
    await expect(page.getByRole('textbox', { name: 'Headline' })).toHaveValue(first, { timeout: 30_000 });
    expect(paneDepth(page)).toBe(3);
    for (const text of [
      /^What readers see first/,
      /^The story itself/,
      /^The one section the story is filed under/,
      /^Topics readers can follow/,
      /^Who wrote the story/,
      /^Shown at the top of the story/,
      /^Optional: how the story appears in search results/,
    ])
      await expect(page.getByText(text)).toBeVisible();
    await snap(page, 'story-help-texts');
  });
});

test("a tag created from a story's tag picker keeps the typed name and gets its slug; a dismissed search leaves no row", async ({
  openStudio,
  sanity,
  snap,
}) => {
  const stamp = Date.now();
  // No "Story" in it: other specs pick the "Story" create button by a loose name in the same dataset.
  const title = `Tag picker draft ${stamp}`;
  const tagName = `Quantum Sensing ${stamp}`;
  const page = await openStudio('editor', 'structure/stories;all-stories');
  await page.getByRole('link', { name: 'Story' }).click();
  await page.getByRole('textbox', { name: 'Headline' }).fill(title);
  const tags = page
    .getByRole('group')
    .filter({ has: page.getByText('Tags', { exact: true }) })
    .last();
  let storyId = '';
  await expect
    .poll(async () => (storyId = (await sanity.fetch<string | null>('*[title == $title][0]._id', { title })) ?? ''))
    .not.toBe('');

  await test.step('a search dismissed with Escape leaves no empty tag row', async () => {
    await tags.getByRole('button', { name: 'Add item' }).click();
    const search = tags.getByRole('combobox').last();
    await search.fill('nothing like this');
    await snap(page, 'tag-search-typed');
    await search.press('Escape');
    await expect(tags.getByRole('combobox')).toHaveCount(0);
    await expect(tags.getByTestId('input-validation-icon-error')).toHaveCount(0);
    await expect
      .poll(async () => sanity.fetch<number>('coalesce(count(*[_id == $id][0].tags), 0)', { id: storyId }))
      .toBe(0);
    await snap(page, 'tag-search-dismissed');
  });

  await test.step('typing a tag that does not exist and pressing Create opens it with that name and its slug', async () => {
    await tags.getByRole('button', { name: 'Add item' }).click();
    await tags.getByRole('combobox').last().fill(tagName);
    await expect(page.getByText(/No results for/)).toBeVisible();
    await tags.getByRole('button', { name: 'Create', exact: true }).click();
    // The new tag opens in a pane beside the story (the last document pane).
    const tagPane = page.getByTestId('document-pane').last();
    await expect(tagPane.getByRole('textbox', { name: 'Name' })).toHaveValue(tagName, { timeout: 20_000 });
    // Its slug input shares the id "slug" with the story's, whose label takes the name: it is the textbox after Name.
    await expect(tagPane.getByRole('textbox').nth(1)).toHaveValue(`quantum-sensing-${stamp}`);
    await snap(page, 'tag-created-from-picker');
  });

  await test.step('publishing the tag writes it with the name and slug, and the story points at it', async () => {
    // Sanity saves a new document on its first edit: the editor describes the tag, then publishes it.
    const tagPane = page.getByTestId('document-pane').last();
    await tagPane.getByRole('textbox', { name: 'Description' }).fill('Sensors built on quantum effects.');
    const publish = tagPane.getByTestId('action-publish');
    await expect(publish).toBeEnabled({ timeout: 20_000 });
    await publish.click();
    let tagId = '';
    await expect
      .poll(
        async () =>
          (tagId =
            (await sanity.fetch<string | null>(
              '*[_type == "tag" && name == $name && !(_id in path("drafts.**"))][0]._id',
              { name: tagName },
            )) ?? ''),
        { timeout: 20_000 },
      )
      .not.toBe('');
    expect(await sanity.getDocument(tagId)).toMatchObject({ slug: { current: `quantum-sensing-${stamp}` } });
    await expect
      .poll(async () => sanity.fetch<string | null>('*[_id == $id][0].tags[0]._ref', { id: storyId }))
      .toBe(tagId);
    await snap(page, 'tag-published');
  });
});

test('a new tag: typing the name fills the slug in until the editor changes the slug', async ({ openStudio, snap }) => {
  const page = await openStudio('editor', 'structure/tag');
  await page.getByRole('link', { name: 'Tag', exact: true }).click();
  const name = page.getByRole('textbox', { name: 'Name' });
  const slug = page.getByRole('textbox', { name: 'Slug' });
  await name.fill('Électricité & Gas');
  await expect(slug).toHaveValue('electricite-and-gas');
  await name.fill('Électricité & Gas prices');
  await expect(slug).toHaveValue('electricite-and-gas-prices');
  await snap(page, 'tag-slug-follows-name');
  await slug.fill('energy-prices');
  await name.fill('Energy bills');
  await expect(slug).toHaveValue('energy-prices');
  await snap(page, 'tag-slug-kept');
});
