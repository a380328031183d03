import { defineArrayMember, defineField, defineType, type PreviewValue } from 'sanity';
import { LIMITS, SLUG_MAX_LENGTH } from '../src/lib/model/rules.ts';
import { altField, captionField, creditField } from './image-fields.ts';
import { TagReferenceInput } from './tag-picker.ts';
import { isScheduled, NEWSROOM_TIME_ZONE, newsroomTime } from './newsroom-time.ts';
import { PublishedAtInput } from './publishing.tsx';
import {
  maxChars,
  messages,
  notSelfReference,
  slugValid,
  slugify,
  softMaxChars,
  sourceComplete,
  updatedAfterPublished,
  updateNoteHasTime,
} from './validation.ts';

/**
 * Subtitle of a story in lists: "Section · 12 Mar 2026" (`timeZone` defaults to the editor's own), or for a story
 * whose publish time is still ahead "Scheduled: Mar 12, 2027, 9:30 AM GMT+1 · Section", the time first (a narrow list
 * cuts the end), in the newsroom's zone (or `timeZone`) as the site prints it.
 */
export function storySubtitle(
  sectionName: unknown,
  publishedAt: unknown,
  timeZone?: string,
  now: number = Date.now(),
): string {
  const section = typeof sectionName === 'string' && sectionName !== '' ? sectionName : 'No section';
  const time = typeof publishedAt === 'string' ? Date.parse(publishedAt) : Number.NaN;
  if (Number.isNaN(time)) return `${section} · no publish time`;
  if (isScheduled(publishedAt, now)) return `Scheduled: ${newsroomTime(publishedAt, timeZone)} · ${section}`;
  const options: Intl.DateTimeFormatOptions = { day: 'numeric', month: 'short', year: 'numeric' };
  if (timeZone) options.timeZone = timeZone;
  return `${section} · ${new Intl.DateTimeFormat('en-GB', options).format(time)}`;
}

/** A news story: the document editors write and the site renders at /news/<slug>/. */
export const story = defineType({
  name: 'story',
  title: 'Story',
  type: 'document',
  fields: [
    defineField({
      name: 'title',
      title: 'Headline',
      type: 'string',
      description: `What readers see first, on the page and in every list: up to ${LIMITS.headline.max} characters, the news in plain words.`,
      validation: (rule) => [
        rule.required().error('Every story needs a headline'),
        rule.custom(maxChars(LIMITS.headline.max, messages.headlineTooLong)),
      ],
    }),
    defineField({
      name: 'slug',
      title: 'Slug',
      type: 'slug',
      description: 'The story URL: /news/<slug>/. Changing it after publishing breaks shared links.',
      // Uniqueness: Sanity's built-in slug check (per document type, drafts and versions of this story excluded).
      options: { source: 'title', maxLength: SLUG_MAX_LENGTH, slugify: (input: string) => slugify(input) },
      validation: (rule) => rule.custom(slugValid('Generate a slug from the headline')),
    }),
    defineField({
      name: 'dek',
      title: 'Dek',
      type: 'text',
      rows: 3,
      description: 'One or two sentences under the headline; also the summary in lists and feeds.',
      validation: (rule) => [
        rule.required().error('Write a dek: one or two sentences under the headline'),
        rule.custom(maxChars(LIMITS.dek.max, messages.dekTooLong)),
      ],
    }),
    defineField({
      name: 'body',
      title: 'Body',
      type: 'blockContent',
      description: 'The story itself. Headings start at H2 (the headline is the H1); images need alternative text.',
      validation: (rule) => rule.required().error('The story has no body yet'),
    }),
    // No initial value: an empty time is stamped when the story is first published (schemas/publishing.tsx), so a
    // time that is set was set by an editor, and is kept. Times are shown and typed in the newsroom's zone.
    defineField({
      name: 'publishedAt',
      title: 'Published at',
      type: 'datetime',
      description:
        'Leave empty: set to the moment you first publish. A time in the future schedules the story: it appears on the site from then on.',
      options: { displayTimeZone: NEWSROOM_TIME_ZONE, allowTimeZoneSwitch: false },
      components: { input: PublishedAtInput },
    }),
    defineField({
      name: 'updatedAt',
      title: 'Updated at',
      type: 'datetime',
      description:
        'Set when you publish a change as an update (Publish asks); shown as "Updated" on the page and in the feed.',
      options: { displayTimeZone: NEWSROOM_TIME_ZONE, allowTimeZoneSwitch: false },
      validation: (rule) => rule.custom(updatedAfterPublished),
    }),
    defineField({
      name: 'updateNote',
      title: 'Update note',
      type: 'string',
      description: 'What changed, for readers, for example "Adds the minister\'s response".',
      validation: (rule) => [
        rule.custom(updateNoteHasTime).warning(),
        rule.custom(maxChars(LIMITS.updateNote.max, `Keep the update note under ${LIMITS.updateNote.max} characters`)),
      ],
    }),
    defineField({
      name: 'section',
      title: 'Section',
      type: 'reference',
      description:
        'The one section the story is filed under: its page lists the story, and its name shows above the headline.',
      to: [{ type: 'section' }],
      validation: (rule) => rule.required().error('Pick the section this story belongs to'),
    }),
    defineField({
      name: 'tags',
      title: 'Tags',
      type: 'array',
      description: `Topics readers can follow, each with its own page; up to ${LIMITS.tags.max}. Type to search; if the tag does not exist yet, Create makes it with the name you typed.`,
      // TagReferenceInput: "Create" keeps the name typed in the search box; Escape drops a row left without a tag.
      of: [defineArrayMember({ type: 'reference', to: [{ type: 'tag' }], components: { input: TagReferenceInput } })],
      validation: (rule) => [
        rule.unique().error('This tag is already on the story'),
        rule.max(LIMITS.tags.max).error(messages.tooManyTags),
      ],
    }),
    defineField({
      name: 'authors',
      title: 'Authors',
      type: 'array',
      description: 'Who wrote the story, in byline order; at least one.',
      of: [defineArrayMember({ type: 'reference', to: [{ type: 'author' }] })],
      validation: (rule) => [
        rule.required().min(1).error('Credit at least one author'),
        rule.unique().error('This author is already credited'),
      ],
    }),
    defineField({
      name: 'source',
      title: 'Source',
      type: 'object',
      description: 'The outlet or document this story reports on, if any.',
      options: { collapsible: true, collapsed: true },
      fields: [
        defineField({
          name: 'name',
          title: 'Name',
          type: 'string',
          description: 'The outlet or document, for example "Axios" or "the court\'s ruling".',
          validation: (rule) =>
            rule.custom(
              maxChars(
                LIMITS.sourceName.max,
                `Source names over ${LIMITS.sourceName.max} characters do not fit: shorten it`,
              ),
            ),
        }),
        defineField({
          name: 'url',
          title: 'Web address',
          type: 'url',
          description: 'Where readers can find it: an address starting with https://.',
          validation: (rule) => rule.uri({ scheme: ['http', 'https'] }).error(messages.sourceUrlScheme),
        }),
      ],
      validation: (rule) => rule.custom(sourceComplete),
    }),
    defineField({
      name: 'mainImage',
      title: 'Main image',
      type: 'image',
      description: 'Shown at the top of the story and on its cards in lists. Crop it here: the site shows the crop.',
      options: { hotspot: true },
      fields: [altField, captionField, creditField],
    }),
    defineField({
      name: 'seo',
      title: 'Search and sharing',
      type: 'object',
      description: 'Optional: how the story appears in search results and link previews.',
      options: { collapsible: true, collapsed: true },
      fields: [
        defineField({
          name: 'metaTitle',
          title: 'Meta title',
          type: 'string',
          description: 'Replaces the headline in search results and link previews. Leave empty to use the headline.',
          // Search engines cut it near `warn` characters: a warning; the build refuses it over `max`: an error.
          validation: (rule) => [
            rule.custom(softMaxChars(LIMITS.metaTitle, messages.metaTitleTooLong)).warning(),
            rule.custom(maxChars(LIMITS.metaTitle.max, messages.metaTitleOverMax)),
          ],
        }),
        defineField({
          name: 'metaDescription',
          title: 'Meta description',
          type: 'text',
          rows: 3,
          description: 'Replaces the dek in search results and link previews. Leave empty to use the dek.',
          validation: (rule) => [
            rule.custom(softMaxChars(LIMITS.metaDescription, messages.metaDescriptionTooLong)).warning(),
            rule.custom(maxChars(LIMITS.metaDescription.max, messages.metaDescriptionOverMax)),
          ],
        }),
      ],
    }),
    defineField({
      name: 'related',
      title: 'Related stories',
      type: 'array',
      description: 'Pinned stories appear first under Similar News',
      of: [
        defineArrayMember({
          type: 'reference',
          to: [{ type: 'story' }],
          // Keep the story itself out of the picker; `notSelfReference` catches pasted references.
          options: {
            filter: ({ document }) => ({ filter: '_id != $id', params: { id: document._id.replace(/^drafts\./, '') } }),
          },
        }),
      ],
      validation: (rule) => [
        rule.max(LIMITS.related.max).error(messages.tooManyRelated),
        rule.unique().error('This story is already pinned'),
        rule.custom(notSelfReference),
      ],
    }),
    defineField({
      name: 'commentsClosed',
      title: 'Comments closed',
      type: 'boolean',
      description: 'Readers can no longer comment; approved comments stay on the page.',
      initialValue: false,
    }),
  ],
  orderings: [
    { title: 'Published, newest first', name: 'publishedAtDesc', by: [{ field: 'publishedAt', direction: 'desc' }] },
    { title: 'Published, oldest first', name: 'publishedAtAsc', by: [{ field: 'publishedAt', direction: 'asc' }] },
  ],
  preview: {
    select: { title: 'title', sectionName: 'section.name', publishedAt: 'publishedAt', media: 'mainImage' },
    prepare: ({ title, sectionName, publishedAt, media }: Record<string, unknown>) => ({
      title: typeof title === 'string' && title !== '' ? title : 'Untitled story',
      subtitle: storySubtitle(sectionName, publishedAt),
      media: media as PreviewValue['media'],
    }),
  },
});
