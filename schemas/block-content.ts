import { createElement, type ReactElement } from 'react';
import { defineArrayMember, defineField, defineType, type BlockDecoratorProps } from 'sanity';
import { altField, captionField } from './image-fields.ts';
import { messages } from './validation.ts';

/** Toolbar icon for the lead-in decorator: a bold label followed by a colon, as it reads in a story. */
export function LeadInIcon(): ReactElement {
  return createElement('span', { style: { fontWeight: 800, fontSize: '0.8em', letterSpacing: '-0.02em' } }, 'Ab:');
}

/** How the editor shows lead-in text: bold like the site, with a dotted underline to tell it from plain bold. */
export function LeadInDecorator(props: BlockDecoratorProps): ReactElement {
  return createElement(
    'strong',
    { 'data-lead-in': '', style: { fontWeight: 700, textDecoration: 'underline dotted', textUnderlineOffset: '0.2em' } },
    props.children,
  );
}

/** Rich text for story bodies: paragraphs, two heading levels, quotes, lists, links and images with alt text. */
export const blockContent = defineType({
  name: 'blockContent',
  title: 'Body',
  type: 'array',
  of: [
    defineArrayMember({
      type: 'block',
      // The story headline is the page's h1, so bodies start at h2.
      styles: [
        { title: 'Normal', value: 'normal' },
        { title: 'Heading', value: 'h2' },
        { title: 'Subheading', value: 'h3' },
        { title: 'Minor heading', value: 'h4' },
        { title: 'Quote', value: 'blockquote' },
      ],
      lists: [
        { title: 'Bullet list', value: 'bullet' },
        { title: 'Numbered list', value: 'number' },
      ],
      marks: {
        decorators: [
          { title: 'Strong', value: 'strong' },
          { title: 'Emphasis', value: 'em' },
          { title: 'Code', value: 'code' },
          { title: 'Strike', value: 'strike-through' },
          // For "Why it matters:" style labels at the start of a paragraph; the site renders them bold.
          { title: 'Lead-in label', value: 'leadIn', icon: LeadInIcon, component: LeadInDecorator },
        ],
        annotations: [
          defineArrayMember({
            name: 'link',
            title: 'Link',
            type: 'object',
            fields: [
              defineField({
                name: 'href',
                title: 'Address',
                type: 'url',
                validation: (rule) => [
                  rule.required().error('Add the address this link goes to'),
                  rule.uri({ scheme: ['http', 'https', 'mailto'] }).error(messages.linkScheme),
                ],
              }),
            ],
          }),
        ],
      },
    }),
    // Unnamed, so its items keep `_type: 'image'`, which the Portable Text renderer maps.
    defineArrayMember({
      title: 'Image',
      type: 'image',
      options: { hotspot: true },
      fields: [altField, captionField],
      validation: (rule) => rule.assetRequired().error('Choose an image for this image block, or remove the block'),
    }),
    // A simple table: the first row is the header; cells are plain text (the @sanity/table shape).
    defineArrayMember({
      name: 'table',
      title: 'Table',
      type: 'object',
      fields: [
        defineField({
          name: 'rows',
          title: 'Rows',
          type: 'array',
          of: [
            defineArrayMember({
              name: 'tableRow',
              title: 'Row',
              type: 'object',
              fields: [defineField({ name: 'cells', title: 'Cells', type: 'array', of: [defineArrayMember({ type: 'string' })] })],
              preview: { select: { cells: 'cells' }, prepare: ({ cells }: { cells?: string[] }) => ({ title: (cells ?? []).join(' | ') }) },
            }),
          ],
          validation: (rule) => rule.min(1).error('A table needs at least a header row'),
        }),
      ],
      preview: { select: { rows: 'rows' }, prepare: ({ rows }: { rows?: { cells?: string[] }[] }) => ({ title: `Table: ${(rows?.[0]?.cells ?? []).join(' | ')}` }) },
    }),
  ],
});
