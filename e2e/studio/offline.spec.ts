import type { ConsoleMessage, Page, Request } from '@playwright/test';
import { blockRemote, expect, test } from './fixtures.ts';

// The Studio offline shows only what works: opening a story logs no error beyond a named allow-list and asks no
// host but this machine; on a first start, before the browser trusts the lake's certificate, the Studio's page
// says what to do.

test.use({ timezoneId: 'UTC', locale: 'en-GB', ignoreHTTPSErrors: true });
test.describe.configure({ timeout: 300_000 });

/**
 * Console errors that opening a story may log, each with why it is allowed. Empty: any console error fails the
 * test, so a new one is either fixed or added here with its reason.
 */
const ALLOWED_CONSOLE_ERRORS: readonly { pattern: RegExp; reason: string }[] = [];

/** What a page logged and asked for while it was watched. */
interface Watch {
  errors: string[];
  remote: string[];
}

function watch(page: Page): Watch {
  const seen: Watch = { errors: [], remote: [] };
  page.on('console', (message: ConsoleMessage) => {
    if (message.type() === 'error') seen.errors.push(`${message.text()} (${message.location().url})`);
  });
  page.on('pageerror', (error) => seen.errors.push(`uncaught: ${error.message}`));
  page.on('request', (request: Request) => {
    const host = new URL(request.url()).hostname;
    if (!(host === 'localhost' || host.endsWith('.localhost') || host === '127.0.0.1')) seen.remote.push(request.url());
  });
  return seen;
}

for (const role of ['editor', 'viewer'] as const) {
  test(`opening a story as ${role} logs no console error outside the allow-list, and asks no host but this machine`, async ({
    openStudio,
    snap,
  }) => {
    const id = 'story-fed-chair-succession-explainer';
    const page = await openStudio(role, 'structure/stories;all-stories');
    const seen = watch(page);
    await expect(page.getByRole('listbox', { name: 'All stories' }).getByRole('option').first()).toBeVisible({
      timeout: 90_000,
    });
    await snap(page, `offline-${role}-story-list`);
    await page.goto(page.url().replace(/all-stories.*$/, `all-stories;${id}`));
    // On a failure the console errors say why (a crashed structure tool shows no form).
    await expect(page.getByRole('textbox', { name: 'Headline' }), seen.errors.join('\n')).not.toHaveValue('', {
      timeout: 90_000,
    });
    await snap(page, `offline-${role}-story-open`);
    // (Generous waits: the test machine is shared and often loaded.) The Studio keeps working after the form shows: presence, history, previews. Long enough for its retries.
    await page.waitForTimeout(12_000);
    await snap(page, `offline-${role}-story-settled`);
    const unexpected = seen.errors.filter(
      (text) => !ALLOWED_CONSOLE_ERRORS.some((allowed) => allowed.pattern.test(text)),
    );
    console.log(
      `[offline e2e] ${role}: console errors: ${seen.errors.length}, outside the allow-list: ${unexpected.length}`,
    );
    expect(unexpected, unexpected.join('\n')).toEqual([]);
    expect(seen.remote, seen.remote.join('\n')).toEqual([]);
  });
}

test('two editors on one story see each other (presence over the lake socket)', async ({ openStudio, snap }) => {
  const route = 'structure/stories;all-stories;story-fed-chair-succession-explainer';
  const editor = await openStudio('editor', route);
  const admin = await openStudio('administrator', route);
  for (const page of [editor, admin]) {
    await expect(page.getByRole('textbox', { name: 'Headline' })).not.toHaveValue('', { timeout: 90_000 });
  }
  const opened = Date.now();
  // Each sees the other's avatar at the top of the document, named by the user's display name.
  await expect(editor.getByTestId('document-level-presence').locator('[title="Local Admin"]')).toBeVisible({
    timeout: 90_000,
  });
  await expect(admin.getByTestId('document-level-presence').locator('[title="Local Editor"]')).toBeVisible({
    timeout: 90_000,
  });
  console.log(`[offline e2e] presence: each editor sees the other ${Date.now() - opened} ms after both forms showed`);
  await snap(editor, 'presence-editor-sees-admin');
  await snap(admin, 'presence-admin-sees-editor');
  // When one leaves, the other stops showing them.
  await admin.close();
  const left = Date.now();
  await expect(editor.getByTestId('document-level-presence')).toHaveCount(0, { timeout: 90_000 });
  console.log(`[offline e2e] presence: the other's avatar gone ${Date.now() - left} ms after their tab closed`);
  await snap(editor, 'presence-admin-left');
});

test('first start: before the browser accepts the API certificate, the Studio page says what to do, then opens by itself', async ({
  browser,
  newsroom,
  snap,
}) => {
  const api = newsroom.urls.api.replace('://', `://${newsroom.projectId}.`);
  // A browser that does not trust the lake's self-signed certificate, as on an editor's first start.
  const untrusting = await browser.newContext({ ignoreHTTPSErrors: false, viewport: { width: 1400, height: 1000 } });
  try {
    await blockRemote(untrusting);
    const page = await untrusting.newPage();
    await page.goto(newsroom.signInLink('editor'));
    const step = page.locator('#newsroom-api-check');
    await expect(step.getByRole('heading', { name: 'One step before the Studio opens' })).toBeVisible({
      timeout: 90_000,
    });
    await expect(step).toContainText('certificate');
    await expect(step).toContainText('Advanced');
    await expect(step.getByRole('link', { name: `${api}/` })).toHaveAttribute('href', `${api}/`);
    await expect(step.getByRole('link', { name: `${newsroom.urls.api}/` })).toBeVisible();
    await expect(page.getByText("couldn't reach the Sanity servers")).toHaveCount(0);
    await snap(page, 'first-start-certificate-step');
  } finally {
    await untrusting.close();
  }

  // Once the API answers (here: a browser that trusts the certificate, the API held back at first), the page
  // starts the Studio without a reload.
  const trusting = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1400, height: 1000 } });
  try {
    await blockRemote(trusting);
    const ping = `${api}/v1/ping`;
    await trusting.route(ping, (route) => route.abort('failed'));
    const page = await trusting.newPage();
    await page.goto(newsroom.signInLink('editor'));
    await expect(page.locator('#newsroom-api-check')).toBeVisible({ timeout: 90_000 });
    await trusting.unroute(ping);
    // The check runs every 2 s: the step goes away and the Studio starts (and routes to its desk) in the same page.
    await expect(page.locator('#newsroom-api-check')).toHaveCount(0, { timeout: 15_000 });
    await expect(page).toHaveURL(/\/structure/, { timeout: 90_000 });
    await expect(
      page.getByRole('link', { name: 'Story' }).or(page.getByRole('button', { name: 'Create' })),
    ).toBeVisible({ timeout: 90_000 });
    await snap(page, 'first-start-studio-opens');
    // The page an editor lands on at the API's address after accepting the certificate links back to the Studio.
    const landing = await trusting.newPage();
    await landing.goto(`${api}/`);
    await expect(landing.getByRole('heading', { name: "The newsroom's API is reachable" })).toBeVisible();
    await expect(landing.getByRole('link', { name: newsroom.urls.studio })).toBeVisible();
    await snap(landing, 'first-start-api-landing');
  } finally {
    await trusting.close();
  }
});
