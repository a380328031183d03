import type { SanityClient } from '@sanity/client';
import type { Page } from '@playwright/test';
import sharp from 'sharp';
import { messages } from '../../schemas/validation.ts';
import { expect, test } from './fixtures.ts';

// Editors in the real Sanity Studio (sanity 6.8, this project's config and schemas) against the lake: the Studio
// built once and served locally, the lake over HTTPS + HTTP/2, Debian's Chromium, nothing from the network.
// What the Studio did is read back with @sanity/client.

test.use({ timezoneId: 'UTC', locale: 'en-GB' });

const PUBLISHED_AT = '2026-03-12T09:30:00.000Z';

/** A photo-like JPEG for the main image upload. */
async function photo(): Promise<Buffer> {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="1200" height="800"><defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="#1d4e89"/><stop offset="1" stop-color="#f2a541"/></linearGradient></defs><rect width="1200" height="800" fill="url(#g)"/><circle cx="800" cy="300" r="160" fill="#fff" opacity="0.6"/></svg>`;
  return sharp(Buffer.from(svg)).jpeg({ quality: 80 }).toBuffer();
}

/** The story's published id, read from the Studio's URL (`…;<id>` or `…;<id>,template=story`). */
function documentIdFrom(page: Page): string {
  const last = decodeURIComponent(new URL(page.url()).pathname.split(';').at(-1) ?? '');
  return last.split(',')[0] ?? '';
}

/** Picks a document in a reference input: types into its search box and chooses the option with that title. */
async function pickReference(page: Page, combobox: ReturnType<Page['getByRole']>, search: string, title: string): Promise<void> {
  await combobox.click();
  await combobox.fill(search);
  await page.getByRole('option', { name: new RegExp(`^${title}`) }).first().click();
}

async function addArrayReference(page: Page, field: string, search: string, title: string): Promise<void> {
  const group = page.getByRole('group').filter({ has: page.getByText(field, { exact: true }) }).last();
  await group.getByRole('button', { name: 'Add item' }).click();
  await pickReference(page, group.getByRole('combobox').last(), search, title);
}

async function waitForPublished(sanity: SanityClient, id: string, check: (doc: Record<string, unknown>) => boolean): Promise<Record<string, unknown>> {
  let found: Record<string, unknown> | undefined;
  await expect
    .poll(async () => {
      found = await sanity.getDocument(id);
      return found !== undefined && check(found);
    }, { timeout: 20_000 })
    .toBe(true);
  if (found === undefined) throw new Error(`story ${id} was not published`);
  return found;
}

test('an editor writes, publishes, edits, republishes and unpublishes a story', async ({ openStudio, sanity, snap }) => {
  const title = `Budget vote delayed as talks run late ${Date.now()}`;
  const page = await openStudio('editor', 'structure/stories;all-stories');

  await test.step('the Studio loads against the lake and lists the stories', async () => {
    await expect(page.getByRole('listbox', { name: 'All stories' }).getByRole('option').first()).toBeVisible({ timeout: 30_000 });
    expect(await page.getByRole('listbox', { name: 'All stories' }).getByRole('option').count()).toBeGreaterThan(10);
    await snap(page, 'story-list');
  });

  let id = '';
  await test.step('a new story: headline, slug, dek, body with a lead-in, time, section, tags, author', async () => {
    await page.getByRole('link', { name: 'Story' }).click();
    await page.getByRole('textbox', { name: 'Headline' }).fill(title);
    await page.getByRole('button', { name: 'Generate' }).click();
    await page.getByRole('textbox', { name: 'Dek' }).fill('Lawmakers put off the final vote on the spending plan until next week.');
    const body = page.locator('[contenteditable="true"]').first();
    await body.click();
    await page.keyboard.type('Why it matters: the delay pushes the deadline past the end of the fiscal year.');
    await page.keyboard.press('Home');
    for (let i = 0; i < 'Why it matters:'.length; i += 1) await page.keyboard.press('Shift+ArrowRight');
    await page.getByRole('button', { name: 'Lead-in label' }).click();
    await page.getByRole('textbox', { name: 'Published at' }).fill('2026-03-12 09:30');
    await page.getByRole('textbox', { name: 'Published at' }).press('Tab');
    await pickReference(page, page.getByRole('combobox', { name: 'Section' }), 'Politics', 'US Politics');
    await addArrayReference(page, 'Tags', 'Trump', 'Donald Trump');
    await addArrayReference(page, 'Tags', 'Rubio', 'Marco Rubio');
    await addArrayReference(page, 'Authors', 'Jane', 'Jane Park');
    id = documentIdFrom(page);
    expect(id).not.toBe('');
    await snap(page, 'story-written');
  });

  await test.step('a main image is uploaded and described', async () => {
    const image = page.getByRole('group').filter({ has: page.getByText('Main image', { exact: true }) }).last();
    // The Upload button is a label around a hidden file input; the input takes the file directly.
    await image.locator('input[type="file"]').first().setInputFiles({ name: 'capitol.jpg', mimeType: 'image/jpeg', buffer: await photo() });
    await expect(image.locator('img').first()).toBeVisible({ timeout: 20_000 });
    await image.getByRole('textbox', { name: 'Alternative text' }).fill('The Capitol dome at dusk');
    await snap(page, 'image-uploaded');
  });

  await test.step('publishing writes the published document with every field', async () => {
    const publish = page.getByRole('button', { name: 'Publish' });
    await expect(publish).toBeEnabled({ timeout: 20_000 });
    await publish.click();
    const doc = await waitForPublished(sanity, id, (found) => found['title'] === title);
    expect(doc).toMatchObject({
      _type: 'story',
      title,
      slug: { current: expect.stringMatching(/^budget-vote-delayed-as-talks-run-late-\d+$/) },
      dek: 'Lawmakers put off the final vote on the spending plan until next week.',
      publishedAt: PUBLISHED_AT,
      section: { _ref: 'section-us-politics' },
      mainImage: { alt: 'The Capitol dome at dusk', asset: { _ref: expect.stringMatching(/^image-[0-9a-f]{40}-1200x800-jpg$/) } },
    });
    expect((doc['tags'] as { _ref: string }[]).map((tag) => tag._ref)).toHaveLength(2);
    expect((doc['authors'] as { _ref: string }[]).length).toBe(1);
    const [block] = doc['body'] as { children: { text: string; marks: string[] }[] }[];
    expect(block?.children[0]).toMatchObject({ text: 'Why it matters:', marks: ['leadIn'] });
    expect(block?.children.map((child) => child.text).join('')).toBe('Why it matters: the delay pushes the deadline past the end of the fiscal year.');
    expect(await sanity.getDocument(`drafts.${id}`)).toBeUndefined();
    await snap(page, 'published');
  });
});
