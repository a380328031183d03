import type { SanityClient } from '@sanity/client';
import type { Page } from '@playwright/test';
import { expect } from './fixtures.ts';

// What the Studio specs do as an editor does it, and how they wait for the lake and the site to follow.

/** How long the Studio may take to show its first list or form: a minute or more on a busy machine (lazy chunks). */
export const STUDIO_OPEN_MS = 90_000;

/** How long a step may wait for the site to show a publish: the rebuild service's latency target is 5 s. */
export const LIVE_TIMEOUT_MS = 30_000;

/** Polls a page of the site until `check` holds; returns when it did (ms since the epoch). */
export async function untilSite(
  url: string,
  check: (status: number, html: string) => boolean,
  timeout = LIVE_TIMEOUT_MS,
): Promise<number> {
  await expect
    .poll(
      async () => {
        const response = await fetch(url);
        return check(response.status, await response.text());
      },
      { timeout, intervals: [100] },
    )
    .toBe(true);
  return Date.now();
}

/** The published id of the story with this headline, once the Studio has saved it (as a draft or published). */
export async function storyId(sanity: SanityClient, title: string): Promise<string> {
  let id: string | null = null;
  await expect
    .poll(async () => {
      id = await sanity.fetch<string | null>('*[_type == "story" && title == $title][0]._id', { title });
      return id;
    })
    .not.toBeNull();
  return String(id).replace(/^drafts\./, '');
}

/** Picks a document in a reference input: types into its search box and chooses the option with that title. */
export async function pickReference(
  page: Page,
  combobox: ReturnType<Page['getByRole']>,
  search: string,
  title: string,
): Promise<void> {
  const option = page.getByRole('option', { name: new RegExp(`^${title}`) }).first();
  await combobox.click();
  // The Studio can re-render the form while it saves the draft, which closes the list of options (seen in CI: the
  // option stayed covered, then hidden). An editor opens it again; so does this, until the pick takes. A pick that
  // took replaces the search box with the chosen document, even when the click reported a failure.
  await expect(async () => {
    if ((await combobox.count()) === 0) return;
    await combobox.click({ timeout: 5_000 });
    await combobox.fill(search, { timeout: 5_000 });
    await option.click({ timeout: 5_000 });
  }).toPass({ timeout: 60_000 });
}

export async function addArrayReference(page: Page, field: string, search: string, title: string): Promise<void> {
  const group = page
    .getByRole('group')
    .filter({ has: page.getByText(field, { exact: true }) })
    .last();
  await group.getByRole('button', { name: 'Add item' }).click();
  await pickReference(page, group.getByRole('combobox').last(), search, title);
}

/**
 * Publishes from the document footer once the Studio has saved the last edit and validated it (as an editor waits
 * for the field errors to clear before pressing Publish).
 */
export async function publishFromStudio(page: Page): Promise<void> {
  await expect(page.getByTestId('input-validation-icon-error')).toHaveCount(0);
  await expect(page.getByText('Saving...')).toHaveCount(0);
  const publish = page.getByTestId('action-publish');
  await expect(publish).toBeEnabled();
  await publish.click();
}

/** Polls the published document until `check` holds (the Studio published it); returns it. */
export async function waitForPublished(
  sanity: SanityClient,
  id: string,
  check: (doc: Record<string, unknown>) => boolean,
): Promise<Record<string, unknown>> {
  let found: Record<string, unknown> | undefined;
  await expect
    .poll(
      async () => {
        found = await sanity.getDocument(id);
        return found !== undefined && check(found);
      },
      { timeout: 30_000 },
    )
    .toBe(true);
  if (found === undefined) throw new Error(`story ${id} was not published`);
  return found;
}
