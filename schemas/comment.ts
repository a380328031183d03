import { defineField, defineType } from 'sanity';
import { COMMENT_STATES } from '../src/lib/model/comment.ts';
import { LIMITS } from '../src/lib/model/rules.ts';

const STATE_TITLES: Readonly<Record<(typeof COMMENT_STATES)[number], string>> = {
  pending: 'Awaiting moderation',
  approved: 'Approved',
  rejected: 'Rejected',
};

/**
 * A reader's comment on a story, written by the comments endpoint (rebuild/comments.ts) as pending. Moderators
 * approve or reject it (the Approve and Reject actions, schemas/moderation.tsx); the site shows approved ones only.
 * What the reader wrote is read-only here: a moderator decides on it, and does not edit it.
 */
export const comment = defineType({
  name: 'comment',
  title: 'Comment',
  type: 'document',
  fields: [
    defineField({
      name: 'story',
      title: 'Story',
      type: 'reference',
      to: [{ type: 'story' }],
      // Weak: a story can be unpublished or deleted while comments on it are kept.
      weak: true,
      readOnly: true,
      validation: (rule) => rule.required(),
    }),
    defineField({
      name: 'name',
      title: 'Name',
      type: 'string',
      readOnly: true,
      validation: (rule) => rule.required().max(LIMITS.commentName.max),
    }),
    defineField({
      name: 'text',
      title: 'Text',
      type: 'text',
      rows: 6,
      readOnly: true,
      validation: (rule) => rule.required().max(LIMITS.commentText.max),
    }),
    defineField({ name: 'postedAt', title: 'Posted at', type: 'datetime', readOnly: true }),
    defineField({
      name: 'state',
      title: 'State',
      type: 'string',
      readOnly: true,
      options: { list: COMMENT_STATES.map((value) => ({ value, title: STATE_TITLES[value] })), layout: 'radio' },
      initialValue: 'pending',
      validation: (rule) => rule.required(),
    }),
    defineField({ name: 'moderatedAt', title: 'Moderated at', type: 'datetime', readOnly: true }),
  ],
  orderings: [{ title: 'Oldest first', name: 'postedAtAsc', by: [{ field: 'postedAt', direction: 'asc' }] }],
  preview: {
    select: { name: 'name', text: 'text', state: 'state', storyTitle: 'story.title' },
    prepare: ({ name, text, state, storyTitle }: Record<string, unknown>) => ({
      title: `${typeof name === 'string' ? name : 'Anonymous'}: ${typeof text === 'string' ? text.slice(0, 80) : ''}`,
      subtitle: `${STATE_TITLES[state as keyof typeof STATE_TITLES] ?? 'No state'} · on ${typeof storyTitle === 'string' ? storyTitle : 'a removed story'}`,
    }),
  },
});
