import { defineField, defineType } from 'sanity';
import { slugValid, slugify, SLUG_MAX_LENGTH } from './validation.ts';

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
  ],
  preview: { select: { title: 'name', subtitle: 'slug.current' } },
});
