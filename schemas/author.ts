import { defineField, defineType } from 'sanity';
import { altField } from './image-fields.ts';
import { SLUG_MAX_LENGTH } from '../src/lib/model/rules.ts';
import { slugValid, slugify } from './validation.ts';

/** A person credited on stories, with a page at /authors/<slug>/. */
export const author = defineType({
  name: 'author',
  title: 'Author',
  type: 'document',
  fields: [
    defineField({
      name: 'name',
      title: 'Name',
      type: 'string',
      validation: (rule) => rule.required().error('Give the author a name'),
    }),
    defineField({
      name: 'slug',
      title: 'Slug',
      type: 'slug',
      options: { source: 'name', maxLength: SLUG_MAX_LENGTH, slugify: (input: string) => slugify(input) },
      validation: (rule) => rule.custom(slugValid('Generate a slug from the name')),
    }),
    defineField({ name: 'role', title: 'Role', type: 'string', description: 'For example "Political editor".' }),
    defineField({ name: 'bio', title: 'Bio', type: 'text', rows: 4 }),
    defineField({
      name: 'image',
      title: 'Portrait',
      type: 'image',
      options: { hotspot: true },
      fields: [altField],
    }),
  ],
  preview: { select: { title: 'name', subtitle: 'role', media: 'image' } },
});
