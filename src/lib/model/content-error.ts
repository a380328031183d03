/** One problem found in one piece of content: where it is, which field, what was wrong. */
export interface ContentIssue {
  /** The file (`content/stories/foo.md`) or Sanity document id (`story-foo`) that holds the problem. */
  where: string;
  /** The field path, e.g. `tags[2]` or `source.url`; empty for the whole entry. */
  field: string;
  /** What was wrong and what was expected, written for an editor. */
  message: string;
  /** How to fix it, when there is something more useful to say than the message. */
  hint?: string;
}

/** Formats one issue as a single line: `content/stories/foo.md → tags[2]: expected …`. */
export function formatIssue(issue: ContentIssue): string {
  const field = issue.field ? ` → ${issue.field}` : '';
  const hint = issue.hint ? ` (${issue.hint})` : '';
  return `${issue.where}${field}: ${issue.message}${hint}`;
}

/** Thrown when content is invalid; carries every issue found, not only the first. */
export class ContentError extends Error {
  readonly issues: ContentIssue[];
  constructor(issues: ContentIssue[]) {
    const n = issues.length;
    super(`${n} content problem${n === 1 ? '' : 's'} found:\n` + issues.map((i) => `  - ${formatIssue(i)}`).join('\n'));
    this.name = 'ContentError';
    this.issues = issues;
  }
}

/** What a build that stopped on content problems says: how many, and each on its own line. */
export function contentProblems(issues: readonly ContentIssue[]): string {
  const n = issues.length;
  return `${n} content problem${n === 1 ? '' : 's'} found; nothing was built:\n${issues.map((i) => `  - ${formatIssue(i)}`).join('\n')}`;
}

/** What to do about content problems. */
export const CONTENT_HINT =
  'Fix each entry named above, then build again. The README ("Content format") lists every field.';

/** Renders a received value briefly for an error message. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? 'an invalid date' : value.toISOString();
  if (typeof value === 'string') {
    const s = value.length > 60 ? `${value.slice(0, 57)}...` : value;
    return JSON.stringify(s);
  }
  if (Array.isArray(value)) return `a list of ${value.length}`;
  if (typeof value === 'object') return 'an object';
  return String(value);
}
