import { expect, test } from './fixtures.ts';

// The Studio's History and Review changes against the lake's History API (transactions and documents at a
// revision), and restoring an earlier revision. Screenshots of each step are kept as artifacts.

test.use({ timezoneId: 'UTC', locale: 'en-GB', ignoreHTTPSErrors: true });
test.describe.configure({ timeout: 240_000 });

const FIRST = 'Council approves the first budget';
const SECOND = 'Council approves a revised budget';

test('History lists the publish and the edit and restores the earlier headline', async ({
  openStudio,
  sanity,
  snap,
}) => {
  const id = `story-history-${Date.now()}`;
  // Created and published as the Studio would (the Actions API), then edited in the Studio below.
  await sanity.action({
    actionType: 'sanity.action.document.create',
    publishedId: id,
    attributes: { _id: `drafts.${id}`, _type: 'story', title: FIRST },
    ifExists: 'fail',
  });
  await sanity.action({ actionType: 'sanity.action.document.publish', draftId: `drafts.${id}`, publishedId: id });

  const page = await openStudio('editor', `structure/stories;all-stories;${id}`);
  page.setDefaultTimeout(30_000);
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  const headline = page.getByRole('textbox', { name: 'Headline' });
  const draftTitle = async (): Promise<unknown> => (await sanity.getDocument(`drafts.${id}`))?.['title'];

  await test.step('the editor changes the published headline', async () => {
    // The first open of a document can take long on a busy machine (the Studio loads its form lazily).
    await expect(headline).toHaveValue(FIRST, { timeout: 90_000 });
    await headline.fill(SECOND);
    await expect.poll(draftTitle, { timeout: 30_000 }).toBe(SECOND);
    await expect(page.getByText('Saving...')).toHaveCount(0);
    await snap(page, 'history-edited');
  });

  await test.step('Review changes shows the headline edit', async () => {
    await page.getByRole('button', { name: /Edited/ }).click();
    await expect(page.getByRole('tab', { name: 'Review changes' })).toBeVisible();
    await expect(page.getByRole('tab', { name: 'Review changes' })).toHaveAttribute('aria-selected', 'true');
    const review = page.getByRole('tabpanel');
    await expect(review.getByRole('listitem').filter({ hasText: 'Headline' })).toBeVisible();
    await expect(review.getByRole('deletion')).toHaveText('the first');
    await expect(review.getByRole('insertion')).toHaveText('a revised');
    await snap(page, 'history-review-changes');
  });

  await test.step('History lists the edit, the publish and the creation, newest first', async () => {
    await page.getByRole('tab', { name: 'History' }).click();
    const revisions = page.getByRole('listbox', { name: 'Document revisions' }).getByRole('option');
    await expect(revisions).toHaveCount(3);
    await expect(revisions.nth(0)).toContainText('Edited');
    await expect(revisions.nth(1)).toContainText('Published');
    await expect(revisions.nth(2)).toContainText('Created');
    await snap(page, 'history-list');
  });

  await test.step('the published revision shows the first headline, and Restore brings it back', async () => {
    await page
      .getByRole('listbox', { name: 'Document revisions' })
      .getByRole('option')
      .nth(1)
      .getByRole('button')
      .first()
      .click();
    await expect(headline).toHaveValue(FIRST);
    await snap(page, 'history-published-revision');
    await page.getByRole('button', { name: 'Revert to revision' }).click();
    // The Studio asks before it replaces the draft.
    await expect(page.getByText('Are you sure you want to restore this document?')).toBeVisible();
    await snap(page, 'history-restore-confirm');
    await page.getByRole('button', { name: 'Confirm' }).click();
    await expect.poll(draftTitle, { timeout: 30_000 }).toBe(FIRST);
    await expect(headline).toHaveValue(FIRST);
    await snap(page, 'history-restored');
  });

  // The Studio found every revision it was shown in the lake's history (no "unable to find translog entry").
  expect(errors.filter((text) => /translog|revision/i.test(text))).toEqual([]);
  expect((await sanity.getDocument(id))?.['title']).toBe(FIRST);
  // The story has only a headline: removed, so that the specs after this one see the lake as content/ filled it.
  await sanity.action({
    actionType: 'sanity.action.document.delete',
    publishedId: id,
    includeDrafts: [`drafts.${id}`],
  });
});
