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
  ],
});
