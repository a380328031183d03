import { createElement, type ReactElement } from 'react';
import { defineArrayMember, defineField, defineType, type BlockDecoratorProps } from 'sanity';
import {
  BLOCK_STYLES,
  DECORATORS,
  LIST_TYPES,
  type BlockStyle,
  type Decorator,
  type ListType,
} from '../src/lib/model/rules.ts';
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
    {
      'data-lead-in': '',
      style: { fontWeight: 700, textDecoration: 'underline dotted', textUnderlineOffset: '0.2em' },
    },
    props.children,
  );
}

// What editors see for each style, list type and decorator of the content rules. A `Record` over the rules' own
// types, so a style added to the rules without a title here (or a title for a style the rules lack) fails to compile.
const styleTitles: Record<BlockStyle, string> = {
  normal: 'Normal',
  h2: 'Heading',
  h3: 'Subheading',
  h4: 'Minor heading',
  blockquote: 'Quote',
};
const listTitles: Record<ListType, string> = { bullet: 'Bullet list', number: 'Numbered list' };
const decoratorOptions: Record<
  Decorator,
  { title: string; icon?: () => ReactElement; component?: (props: BlockDecoratorProps) => ReactElement }
> = {
  strong: { title: 'Strong' },
  em: { title: 'Emphasis' },
  code: { title: 'Code' },
  'strike-through': { title: 'Strike' },
  // For "Why it matters:" style labels at the start of a paragraph; the site renders them bold.
  leadIn: { title: 'Lead-in label', icon: LeadInIcon, component: LeadInDecorator },
};

/** Rich text for story bodies: paragraphs, three heading levels, quotes, lists, links and images with alt text. */
export const blockContent = defineType({
  name: 'blockContent',
  title: 'Body',
  type: 'array',
  of: [
    defineArrayMember({
      type: 'block',
      // The story headline is the page's h1, so bodies start at h2.
      styles: BLOCK_STYLES.map((value) => ({ title: styleTitles[value], value })),
      lists: LIST_TYPES.map((value) => ({ title: listTitles[value], value })),
      marks: {
        decorators: DECORATORS.map((value) => ({ value, ...decoratorOptions[value] })),
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
              fields: [
                defineField({
                  name: 'cells',
                  title: 'Cells',
                  type: 'array',
                  of: [defineArrayMember({ type: 'string' })],
                }),
              ],
              preview: {
                select: { cells: 'cells' },
                prepare: ({ cells }: { cells?: string[] }) => ({ title: (cells ?? []).join(' | ') }),
              },
            }),
          ],
          validation: (rule) => rule.min(1).error('A table needs at least a header row'),
        }),
      ],
      preview: {
        select: { rows: 'rows' },
        prepare: ({ rows }: { rows?: { cells?: string[] }[] }) => ({
          title: `Table: ${(rows?.[0]?.cells ?? []).join(' | ')}`,
        }),
      },
    }),
  ],
});
