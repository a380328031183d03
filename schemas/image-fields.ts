import { defineField } from 'sanity';
import { altRequiredWithAsset, maxChars } from './validation.ts';

// Limits match the story model in src/lib/story.ts, so a document the Studio accepts also builds.

/** The `alt` field every image carries: required once an asset is chosen. */
export const altField = defineField({
  name: 'alt',
  title: 'Alternative text',
  type: 'string',
  description: 'What the image shows, for screen readers and when it fails to load. Not a caption.',
  validation: (rule) => rule.custom(altRequiredWithAsset),
});

/** The optional caption shown under an image. */
export const captionField = defineField({
  name: 'caption',
  title: 'Caption',
  type: 'string',
  validation: (rule) => rule.custom(maxChars(300, 'Captions over 300 characters crowd the page: trim it')),
});

/** The optional photographer or agency credit. */
export const creditField = defineField({
  name: 'credit',
  title: 'Credit',
  type: 'string',
  description: 'Photographer and agency, for example "Jane Doe / Reuters".',
  validation: (rule) => rule.custom(maxChars(120, 'Credits over 120 characters do not fit under the image')),
});
