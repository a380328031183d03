import { defineField } from 'sanity';
import { LIMITS } from '../src/lib/model/rules.ts';
import { altRequiredWithAsset, maxChars } from './validation.ts';

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
  description: 'Shown under the image: who or what it shows, where and when.',
  validation: (rule) =>
    rule.custom(
      maxChars(LIMITS.imageCaption.max, `Captions over ${LIMITS.imageCaption.max} characters crowd the page: trim it`),
    ),
});

/** The optional photographer or agency credit. */
export const creditField = defineField({
  name: 'credit',
  title: 'Credit',
  type: 'string',
  description: 'Photographer and agency, for example "Jane Doe / Reuters".',
  validation: (rule) =>
    rule.custom(
      maxChars(LIMITS.imageCredit.max, `Credits over ${LIMITS.imageCredit.max} characters do not fit under the image`),
    ),
});
