import type { Browser, Page } from '@playwright/test';
import { expect, test } from './fixtures.ts';

// Readers' comments end to end: a reader posts with the plain form under a story (JavaScript off), a moderator
// approves in the Studio, and the comment is live on the story page; rejected, hostile and burst comments never are.
test.describe.configure({ timeout: 420_000 });

/** How long a step may wait for the site to follow a moderation (the rebuild service's target is 5 s). */
const LIVE_TIMEOUT_MS = 30_000;

/** A reader's browser: no JavaScript, so the form must work as plain HTML. */
async function readerPage(browser: Browser): Promise<Page> {
  const context = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 1000, height: 1400 } });
  return context.newPage();
}

/** Posts a comment with the story page's form, as a reader does; returns the page the reader lands on. */
async function postComment(page: Page, storyUrl: string, name: string, text: string): Promise<Page> {
  await page.goto(storyUrl);
  const form = page.locator('form.comment-form');
  await form.getByLabel('Name').fill(name);
  await form.getByLabel('Comment').fill(text);
  await form.getByRole('button', { name: 'Post comment' }).click();
  return page;
}

async function untilStoryPage(url: string, check: (html: string) => boolean): Promise<void> {
  await expect
    .poll(async () => check(await (await fetch(url)).text()), { timeout: LIVE_TIMEOUT_MS, intervals: [200] })
    .toBe(true);
}

test('a reader’s comment awaits moderation, is approved in the Studio and goes live; rejected, hostile and burst ones never show', async ({
  browser,
  newsroom,
  sanity,
  openStudio,
  snap,
}) => {
  const site = newsroom.urls.site ?? '';
  expect(site).not.toBe('');
  const story = await sanity.fetch<{ _id: string; slug: string; title: string }>(
    '*[_type == "story" && !(_id in path("drafts.**")) && publishedAt <= now()] | order(publishedAt desc)[0]{_id, "slug": slug.current, title}',
  );
  const storyUrl = `${site}/news/${story.slug}/`;
  const stamp = Date.now();
  const good = `Clear reporting, thank you. ${stamp}\nA second line.`;
  const rejected = `Spam spam spam ${stamp}`;
  const hostile = `<script>document.title='pwned'</script><img src=x onerror="alert(1)"> <b>bold</b> https://evil.example ${stamp}`;
  const reader = await readerPage(browser);
  let approvedAt = 0;

  await test.step('the story page has the form and says it has no comments yet', async () => {
    // The newsroom's first build may still be running.
    await untilStoryPage(storyUrl, (html) => html.includes('id="comments"'));
    await reader.goto(storyUrl);
    await expect(reader.locator('#comments')).toContainText('No comments yet.');
    await expect(reader.getByRole('heading', { name: /^Comments/ })).toBeVisible();
    await expect(reader.locator('form.comment-form')).toHaveAttribute('action', '/comments');
  });

  await test.step('a reader posts with JavaScript off and sees that the comment awaits moderation', async () => {
    await postComment(reader, storyUrl, 'Ada Reader', good);
    // Back on the story, whose notice shows only as the URL's target (no script: CSS :target).
    await expect(reader).toHaveURL(`${storyUrl}#comment-received`);
    await expect(reader.getByRole('status')).toContainText('your comment awaits moderation');
    await snap(reader, 'comment-awaits-moderation');
    await expect(reader.getByText('Clear reporting, thank you.')).toHaveCount(0);
    await reader.goto(storyUrl);
    await expect(reader.getByRole('status')).toHaveCount(0);
  });

  await test.step('a comment with problems comes back with what to fix and the text kept', async () => {
    await postComment(reader, storyUrl, ' ', 'Forgot my name');
    // The browser's own check stops an empty required field; a name of spaces reaches the endpoint.
    await expect(reader.getByRole('alert')).toContainText('Please give a name');
    await expect(reader.getByLabel('Comment')).toHaveValue('Forgot my name');
  });

  await test.step('a comment to reject, and a hostile one, are posted too', async () => {
    await postComment(reader, storyUrl, 'Spammer', rejected);
    await expect(reader.getByRole('status')).toContainText('awaits moderation');
    await postComment(reader, storyUrl, '<i>Mallory</i>', hostile);
    await expect(reader.getByRole('status')).toContainText('awaits moderation');
    // 100 KB is refused before it is read (the form's maxlength stops a browser; a script is refused here).
    const huge = await fetch(`${site}/comments`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: site, 'sec-fetch-site': 'same-origin' },
      body: new URLSearchParams({ story: story._id, name: 'Big', text: 'x'.repeat(100 * 1024) }).toString(),
      redirect: 'manual',
    });
    expect(huge.status).toBe(413);
    const pending = await sanity.fetch<{ text: string; state: string }[]>(
      '*[_type == "comment" && story._ref == $id] | order(postedAt asc){text, state}',
      { id: story._id },
    );
    expect(pending.map((c) => c.state)).toEqual(['pending', 'pending', 'pending']);
    expect(pending.map((c) => c.text)).toEqual([good, rejected, hostile]);
  });

  await test.step('the moderator sees the comments to moderate, oldest first, and approves one', async () => {
    const studio = await openStudio('editor', 'structure/comments-to-moderate');
    const list = studio.getByRole('listbox', { name: 'Comments to moderate' });
    await expect(list.getByRole('option')).toHaveCount(3, { timeout: 30_000 });
    await expect(list.getByRole('option').first()).toContainText('Ada Reader');
    await snap(studio, 'comments-to-moderate');
    await list.getByRole('option').first().click();
    const approve = studio.getByTestId('pane-footer').getByRole('button', { name: 'Approve' });
    await expect(approve).toBeEnabled();
    approvedAt = Date.now();
    await approve.click();
    await expect
      .poll(() => sanity.fetch<string[]>('*[_type == "comment" && state == "approved"].text'))
      .toEqual([good]);
    await expect(list.getByRole('option')).toHaveCount(2);
    await untilStoryPage(storyUrl, (html) => html.includes(`Clear reporting, thank you. ${stamp}`));
    console.log(`approved comment live ${Date.now() - approvedAt} ms after Approve was clicked`);

    await list.getByRole('option').filter({ hasText: 'Spammer' }).click();
    await studio.getByTestId('pane-footer').getByRole('button', { name: 'Open document actions' }).click();
    await studio.getByRole('menuitem', { name: 'Reject' }).click();
    await list.getByRole('option').filter({ hasText: 'Mallory' }).click();
    await studio.getByTestId('pane-footer').getByRole('button', { name: 'Open document actions' }).click();
    await studio.getByRole('menuitem', { name: 'Reject' }).click();
    await expect
      .poll(() => sanity.fetch<string[]>('*[_type == "comment" && state == "rejected"].name'))
      .toHaveLength(2);
    await expect(list.getByRole('option')).toHaveCount(0);
  });

  await test.step('the approved comment is live on the story page, with its line break and the count', async () => {
    // The rejections above rebuilt the page again; it still shows the approved comment only.
    await untilStoryPage(storyUrl, (html) => html.includes(`Clear reporting, thank you. ${stamp}`));
    await reader.goto(storyUrl);
    const comments = reader.locator('#comments');
    await expect(comments.getByRole('heading', { name: 'Comments (1)' })).toBeVisible();
    await expect(comments.locator('.comment-text p')).toHaveText(`Clear reporting, thank you. ${stamp}A second line.`);
    await expect(comments.locator('.comment-text br')).toHaveCount(1);
    await expect(reader.getByRole('link', { name: '1 comment' })).toHaveAttribute('href', '#comments');
    await comments.scrollIntoViewIfNeeded();
    await snap(reader, 'story-with-comments');
    const html = await (await fetch(storyUrl)).text();
    expect(html).not.toContain(rejected);
    expect(html).not.toContain('Mallory');
    expect(html).not.toContain("<script>document.title='pwned'");
    expect(html).not.toContain('onerror="alert(1)"');
  });

  await test.step('a burst from one address is limited', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 8; i += 1) {
      const response = await fetch(`${site}/comments`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', origin: site, 'sec-fetch-site': 'same-origin' },
        body: new URLSearchParams({ story: story._id, name: 'Burst', text: `Burst ${i} ${stamp}` }).toString(),
        redirect: 'manual',
      });
      statuses.push(response.status);
    }
    // The reader's four posts above came from this address too: the limit (5 in 10 minutes) is reached at once.
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(6);
    expect(statuses.every((s) => s === 303 || s === 429)).toBe(true);
  });

  await test.step('a story with comments closed takes none, and says so', async () => {
    await sanity.patch(story._id).set({ commentsClosed: true }).commit();
    await untilStoryPage(storyUrl, (html) => html.includes('Comments are closed.'));
    await reader.goto(storyUrl);
    await expect(reader.locator('form.comment-form')).toHaveCount(0);
    await expect(reader.locator('#comments')).toContainText(`Clear reporting, thank you. ${stamp}`);
  });
});
