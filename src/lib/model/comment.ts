/**
 * A reader's comment on a story: the shape the site shows, the states a moderator moves it through, and the rules
 * its name and text must keep. Free of dependencies (no zod, no `sanity`), so the comments endpoint, the build and
 * the Studio share it.
 */
import { LIMITS } from './rules.ts';

/** A comment is pending until a moderator approves or rejects it; only approved comments are ever shown. */
export const COMMENT_STATES = ['pending', 'approved', 'rejected'] as const;
/** A comment's moderation state. */
export type CommentState = (typeof COMMENT_STATES)[number];

/** A comment as a story page shows it: plain text, escaped when rendered; links are shown as text. */
export interface CommentView {
  id: string;
  name: string;
  text: string;
  /** When it was posted (ISO 8601, UTC). */
  postedAt: string;
}

/** An approved comment and the story (by id) it is on. */
export interface Comment extends CommentView {
  story: string;
}

/** A problem with a reader's comment, named by form field, in words for the reader. */
export interface CommentProblem {
  field: 'name' | 'text';
  message: string;
}

// Control characters other than tab and line feed, and the Unicode direction overrides that can make text read
// differently from what is stored; removed rather than refused (a reader cannot see them).
// eslint-disable-next-line no-control-regex
const INVISIBLE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/** A display name as stored: one line, runs of white space as one space, trimmed. */
export function normalizeCommentName(raw: string): string {
  return raw.normalize('NFC').replace(INVISIBLE, ' ').replace(/\s+/g, ' ').trim();
}

/** A comment's text as stored: line feeds only, no trailing spaces, at most one blank line in a row, trimmed. */
export function normalizeCommentText(raw: string): string {
  return raw
    .normalize('NFC')
    .replace(/\r\n?/g, '\n')
    .replace(INVISIBLE, '')
    .replace(/[ \t]+\n/g, '\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

/** What is wrong with a normalized name and text (empty when nothing is); lengths count characters, not bytes. */
export function commentProblems(name: string, text: string): CommentProblem[] {
  const problems: CommentProblem[] = [];
  const nameLength = [...name].length;
  const textLength = [...text].length;
  if (nameLength === 0) problems.push({ field: 'name', message: 'Please give a name to show with your comment.' });
  else if (nameLength > LIMITS.commentName.max)
    problems.push({
      field: 'name',
      message: `The name is ${nameLength} characters long; please keep it to ${LIMITS.commentName.max}.`,
    });
  if (textLength === 0) problems.push({ field: 'text', message: 'Please write a comment.' });
  else if (textLength > LIMITS.commentText.max)
    problems.push({
      field: 'text',
      message: `The comment is ${textLength.toLocaleString('en-US')} characters long; please keep it to ${LIMITS.commentText.max.toLocaleString('en-US')}.`,
    });
  return problems;
}

/** Reads an approved comment from raw fields, or nothing when it is not approved or not well formed. */
export function approvedComment(raw: {
  id: string;
  story: unknown;
  name: unknown;
  text: unknown;
  postedAt: unknown;
  state: unknown;
}): Comment | undefined {
  if (raw.state !== 'approved') return undefined;
  const { story, name, text, postedAt } = raw;
  if (typeof story !== 'string' || story === '' || typeof name !== 'string' || typeof text !== 'string')
    return undefined;
  if (typeof postedAt !== 'string' || Number.isNaN(Date.parse(postedAt))) return undefined;
  const clean = { name: normalizeCommentName(name), text: normalizeCommentText(text) };
  if (commentProblems(clean.name, clean.text).length > 0) return undefined;
  return { id: raw.id, story, ...clean, postedAt: new Date(postedAt).toISOString() };
}

/** Approved comments by story id, oldest first (ties: id), for the story pages. */
export function commentsByStory(comments: Iterable<Comment>): Map<string, CommentView[]> {
  const byStory = new Map<string, CommentView[]>();
  for (const { story, ...view } of comments) {
    const list = byStory.get(story);
    if (list) list.push(view);
    else byStory.set(story, [view]);
  }
  for (const list of byStory.values())
    list.sort((a, b) => (a.postedAt < b.postedAt ? -1 : a.postedAt > b.postedAt ? 1 : a.id.localeCompare(b.id)));
  return byStory;
}
