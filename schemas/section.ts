import { defineField, defineType } from 'sanity';
import { SLUG_MAX_LENGTH } from '../src/lib/model/rules.ts';
import { slugValid, slugify } from './validation.ts';

/** A section of the site (Politics, Business…) with its own front page at /section/<slug>/. */
export const section = defineType({
  name: 'section',
  title: 'Section',
  type: 'document',
  fields: [
    defineField({
      name: 'name',
      title: 'Name',
      type: 'string',
      validation: (rule) => rule.required().error('Give the section a name'),
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
      name: 'order',
      title: 'Position in the navigation',
      type: 'number',
      description: 'Sections are listed from the lowest number up.',
      validation: (rule) => rule.integer().min(0).error('Use a whole number, 0 or more'),
    }),
  ],
  orderings: [{ title: 'Navigation order', name: 'navigation', by: [{ field: 'order', direction: 'asc' }] }],
  preview: { select: { title: 'name', subtitle: 'slug.current' } },
});
