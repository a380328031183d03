import { defineArrayMember, defineField, defineType } from 'sanity';
import { LIMITS, SLUG_MAX_LENGTH } from '../src/lib/model/rules.ts';
import { TagNameInput, tagInitialValue } from './tag-picker.ts';
import { maxChars, slugValid, slugify } from './validation.ts';

/** A topic readers can follow at /tags/<slug>/; aliases fold other spellings into it. */
export const tag = defineType({
  name: 'tag',
  title: 'Tag',
  type: 'document',
  // Created from a story's tag picker, the tag starts with the name typed there and its slug.
  initialValue: (params: unknown) => tagInitialValue(params),
  fields: [
    defineField({
      name: 'name',
      title: 'Name',
      type: 'string',
      // Fills the slug in while it follows the name.
      components: { input: TagNameInput },
      validation: (rule) => [
        rule.required().error('Give the tag a name'),
        rule.custom(
          maxChars(LIMITS.tagName.max, `Tag names over ${LIMITS.tagName.max} characters do not fit: shorten it`),
        ),
      ],
    }),
    defineField({
      name: 'slug',
      title: 'Slug',
      type: 'slug',
      options: { source: 'name', maxLength: SLUG_MAX_LENGTH, slugify: (input: string) => slugify(input) },
      validation: (rule) => rule.custom(slugValid('Generate a slug from the name')),
    }),
    defineField({ name: 'description', title: 'Description', type: 'text', rows: 3 }),
    defineField({
      name: 'aliases',
      title: 'Aliases',
      type: 'array',
      description: 'Other spellings that mean this tag, for example "UK" for "United Kingdom".',
      of: [defineArrayMember({ type: 'string' })],
      options: { layout: 'tags' },
      validation: (rule) => rule.unique().error('This alias is already listed'),
    }),
  ],
  preview: { select: { title: 'name', subtitle: 'slug.current' } },
});
