import { describe, expect, test } from 'vitest';
import { formatIssue } from '../src/lib/model/content-error.ts';
import { validStory } from './fixtures/valid-story.ts';
import { parseStory } from '../src/lib/model/story.ts';

const valid = validStory;
const problems = (raw: Record<string, unknown>) =>
  parseStory('story-x', 'content/stories/x.md', raw).issues.map(formatIssue);

describe('parseStory', () => {
  test('accepts a valid story and normalises dates to ISO strings in UTC', () => {
    const { story } = parseStory('story-x', 'x.md', {
      ...valid,
      publishedAt: '2025-11-19T22:10:00+01:00',
      updatedAt: '2025-11-20',
    });
    expect(story?.publishedAt).toBe('2025-11-19T21:10:00.000Z');
    expect(story?.updatedAt).toBe('2025-11-20T00:00:00.000Z');
    expect(story?.draft).toBe(false);
    expect(story?.related).toEqual([]);
  });

  test('reports every problem of a story at once, naming file, field, received and expected', () => {
    expect(
      problems({
        ...valid,
        title: '',
        slug: 'Not A Slug',
        publishedAt: '2025-02-30',
        tags: ['ok', ''],
        authors: [],
        source: { name: 'Axios', url: 'javascript:alert(1)' },
        image: { src: '/a.png' },
        tilte: 'typo',
      }),
    ).toMatchInlineSnapshot(`
      [
        "content/stories/x.md → title: expected non-empty text, received """,
        "content/stories/x.md → slug: expected a slug of lower-case letters, digits and hyphens, like "peace-plan", received "Not A Slug"",
        "content/stories/x.md → publishedAt: expected a date like 2025-11-20T14:30:00Z (ISO 8601, with a time zone), received "2025-02-30"",
        "content/stories/x.md → tags[1]: expected non-empty text, received """,
        "content/stories/x.md → authors: expected at least one author, received a list of 0",
        "content/stories/x.md → source.url: expected an http(s) URL like https://example.com/story, received "javascript:alert(1)"",
        "content/stories/x.md → image.alt: expected alt text describing the image for readers who cannot see it, received nothing",
        "content/stories/x.md: unknown field "tilte" (known fields are title, slug, dek, publishedAt, updatedAt, updateNote, section, tags, authors, source, image, seo, related, draft, commentsClosed, body)",
      ]
    `);
  });

  test.each([
    ['a date with no zone', '2025-11-19T21:10:00', false],
    ['a month that does not exist', '2025-13-01', false],
    ['free text', 'yesterday', false],
    ['a number', 20251119, false],
    ['a date', '2025-11-19', true],
    ['a UTC date-time', '2025-11-19T21:10:00Z', true],
    ['an offset date-time', '2025-11-19T21:10:00-05:00', true],
  ])('publishedAt as %s: valid = %s', (_, publishedAt, ok) => {
    expect(parseStory('s', 'x.md', { ...valid, publishedAt }).issues.length === 0).toBe(ok);
  });

  test('updatedAt before publishedAt is an error; an update note alone is not', () => {
    expect(problems({ ...valid, updatedAt: '2025-11-01T00:00:00Z' })).toMatchInlineSnapshot(`
      [
        "content/stories/x.md → updatedAt: expected a time after publishedAt (2025-11-19T21:10:00.000Z), received "2025-11-01T00:00:00.000Z"",
      ]
    `);
    // An update note without updatedAt is allowed (the Studio only warns): the page shows the note alone.
    expect(problems({ ...valid, updateNote: 'Update: more.' })).toEqual([]);
  });

  test('missing required fields are each named', () => {
    expect(problems({ body: valid.body })).toMatchInlineSnapshot(`
      [
        "content/stories/x.md → title: expected text, received nothing",
        "content/stories/x.md → slug: expected a slug, received nothing",
        "content/stories/x.md → dek: expected text, received nothing",
        "content/stories/x.md → publishedAt: expected a date like 2025-11-20T14:30:00Z, received nothing",
        "content/stories/x.md → section: expected a slug, received nothing",
        "content/stories/x.md → authors: expected a list of author slugs, received nothing",
      ]
    `);
  });
});
