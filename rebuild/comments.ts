/**
 * The comments endpoint: readers' comments posted by the plain HTML form under each story (src/components/
 * Comments.astro), checked and written to Sanity as pending comments for moderators to approve in the Studio.
 *
 * `POST /comments` takes a form-encoded body (story id, name, text and a honeypot field), at most `maxBytes`, from a
 * page of the site only (Origin / Sec-Fetch-Site), and answers with a 303 back to the story at `#comment-received`,
 * where the page shows "your comment awaits moderation" (a notice the story page shows only when it is the URL's
 * target), or with a page of the form again with the problems to fix and the reader's words kept. It refuses
 * comments on stories the site does not show or that are closed, limits each address to `perAddress` comments per
 * `windowMs` (in bounded memory), and takes a comment it has just taken once. Nothing it answers echoes unescaped
 * text; nothing it writes is shown before a moderator approves it.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isIPv6 } from 'node:net';
import {
  commentProblems,
  normalizeCommentName,
  normalizeCommentText,
  type CommentProblem,
} from '../src/lib/model/comment.ts';
import { LIMITS } from '../src/lib/model/rules.ts';
import { securityHeaders } from '../src/lib/server/static-files.ts';
import { COMMENT_RECEIVED, COMMENTS_PATH } from '../src/lib/site/urls.ts';

/** A story as the endpoint needs it: where it is, its headline, and whether it takes comments. */
export interface CommentStory {
  id: string;
  url: string;
  title: string;
  closed: boolean;
}

/** A pending comment as written to Sanity. */
export interface PendingComment {
  _id: string;
  _type: 'comment';
  story: { _type: 'reference'; _ref: string; _weak: true };
  name: string;
  text: string;
  postedAt: string;
  state: 'pending';
}

/** The endpoint's limits (see `COMMENT_LIMITS`). */
export interface CommentLimits {
  /** The largest body read, in bytes; a longer one is refused without reading the rest. */
  maxBytes: number;
  /** Comments one address may post per window. */
  perAddress: number;
  windowMs: number;
  /** Addresses (and recent comments, for duplicates) remembered at most; the oldest are forgotten first. */
  maxTracked: number;
  /** How long the same text on the same story counts as a duplicate. */
  duplicateMs: number;
}

/**
 * A form post of the longest comment is under 32 KB even when every character takes four bytes of UTF-8 (12 when
 * percent-encoded); a reader may post 5 comments in 10 minutes; 10,000 addresses are about 1 MB.
 */
export const COMMENT_LIMITS: CommentLimits = {
  maxBytes: 12 * (LIMITS.commentText.max + LIMITS.commentName.max) + 1024,
  perAddress: 5,
  windowMs: 10 * 60_000,
  maxTracked: 10_000,
  duplicateMs: 24 * 60 * 60_000,
};

/** What the endpoint needs from the service. */
export interface CommentsParts {
  /** The story the live site shows with this id, if it does. */
  story: (id: string) => CommentStory | undefined;
  /** Writes a pending comment to Sanity (with a token that may only create comments). */
  write: (comment: PendingComment) => Promise<void>;
  /** Origins the site is served from, besides the request's own (e.g. the public origin behind a proxy). */
  origins: readonly string[];
  /** Take the client's address from the last `X-Forwarded-For` entry (set only behind a proxy that writes it). */
  trustProxy?: boolean;
  limits?: Partial<CommentLimits>;
  log: (line: string) => void;
  now?: () => number;
}

/** Counts of what the endpoint did, for `/status`. */
export interface CommentCounts {
  accepted: number;
  refused: number;
  limited: number;
  duplicates: number;
  honeypot: number;
}

/** Remembers at most `max` keys with a time each, forgetting the oldest first (a Map keeps insertion order). */
class BoundedTimes {
  readonly #max: number;
  readonly #times = new Map<string, number[]>();
  constructor(max: number) {
    this.#max = max;
  }
  get(key: string): number[] {
    // Stryker disable next-line ArrayDeclaration: every caller compares the times with a number, which a string never passes
    return this.#times.get(key) ?? [];
  }
  set(key: string, times: number[]): void {
    this.#times.delete(key);
    this.#times.set(key, times);
    // Over the limit, the map holds at least one key: the first is the oldest.
    if (this.#times.size > this.#max) this.#times.delete(this.#times.keys().next().value!);
  }
  get size(): number {
    return this.#times.size;
  }
}

/** The form's fields as the reader sent them (after normalizing), for showing the form again. */
interface FormFields {
  story: string;
  name: string;
  text: string;
}

/** The comments endpoint, called by the service's HTTP server for paths under `/comments`. */
export class CommentsEndpoint {
  readonly counts: CommentCounts = { accepted: 0, refused: 0, limited: 0, duplicates: 0, honeypot: 0 };
  readonly #parts: CommentsParts;
  readonly #limits: CommentLimits;
  readonly #addresses: BoundedTimes;
  readonly #recent: BoundedTimes;
  readonly #now: () => number;

  constructor(parts: CommentsParts) {
    this.#parts = parts;
    this.#limits = { ...COMMENT_LIMITS, ...parts.limits };
    this.#addresses = new BoundedTimes(this.#limits.maxTracked);
    this.#recent = new BoundedTimes(this.#limits.maxTracked);
    this.#now = parts.now ?? Date.now;
  }

  /** Addresses and recent comments remembered (bounded by `maxTracked` each). */
  get tracked(): { addresses: number; recent: number } {
    return { addresses: this.#addresses.size, recent: this.#recent.size };
  }

  /** Whether `pathname` is the endpoint's. */
  static handles(pathname: string): boolean {
    return pathname === COMMENTS_PATH;
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== 'POST') return this.#methodNotAllowed(res, 'POST');
    const origin = this.#originProblem(req);
    if (origin !== undefined) {
      this.counts.refused += 1;
      this.#parts.log(`comment refused: ${origin}`);
      // Stryker disable next-line CallExpression: Node drops an unread body once the answer is sent; this starts it sooner
      req.resume();
      return page(res, 403, 'Comment not accepted', notice('This comment was not sent from a page of this site.'));
    }
    // Stryker disable next-line StringLiteral,OptionalChaining: a split gives a part at least; any type but the form's is refused
    const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
    if (type !== 'application/x-www-form-urlencoded') {
      this.counts.refused += 1;
      // Stryker disable next-line CallExpression: Node drops an unread body once the answer is sent; this starts it sooner
      req.resume();
      return page(res, 415, 'Comment not accepted', notice('Please send your comment with the form under the story.'));
    }
    const body = await readBody(req, this.#limits.maxBytes);
    if (body === 'too large') {
      this.counts.refused += 1;
      return page(
        res,
        413,
        'Comment too long',
        notice(
          `Your comment is far too long to read: please keep it to ${LIMITS.commentText.max.toLocaleString('en-US')} characters, and go back to shorten it.`,
        ),
        { connection: 'close' },
      );
    }
    if (body === 'not utf-8') {
      this.counts.refused += 1;
      return page(res, 400, 'Comment not accepted', notice('Your comment could not be read: please send it again.'));
    }
    const form = new URLSearchParams(body.text);
    const fields: FormFields = {
      story: form.get('story') ?? '',
      name: normalizeCommentName(form.get('name') ?? ''),
      text: normalizeCommentText(form.get('text') ?? ''),
    };
    const address = this.#address(req);
    // Every post counts against its address, a bot's filled honeypot too.
    const now = this.#now();
    const times = this.#addresses.get(address).filter((t) => t > now - this.#limits.windowMs);
    if (times.length >= this.#limits.perAddress) {
      this.#addresses.set(address, times);
      this.counts.limited += 1;
      this.#parts.log(`comment refused: rate limit for ${address}`);
      const wait = Math.ceil((times[0]! + this.#limits.windowMs - now) / 1000);
      return page(
        res,
        429,
        'Too many comments',
        notice(
          `You have posted ${this.#limits.perAddress} comments in the last ${Math.round(this.#limits.windowMs / 60_000)} minutes: please wait a few minutes before posting again.`,
        ),
        // At least 1: the first time counted is later than `now - windowMs`.
        { 'retry-after': String(wait) },
      );
    }
    this.#addresses.set(address, [...times, now]);
    // A field people cannot see: only robots fill it in. They are told what a reader is told, and nothing is kept.
    if ((form.get('website') ?? '') !== '') {
      this.counts.honeypot += 1;
      this.#parts.log('comment dropped: the honeypot field was filled in');
      return redirect(res, this.#parts.story(fields.story));
    }
    const story = this.#parts.story(fields.story);
    if (story === undefined) {
      this.counts.refused += 1;
      return page(res, 404, 'Story not found', notice('The story you commented on is not on the site.'));
    }
    if (story.closed) {
      this.counts.refused += 1;
      return page(res, 403, 'Comments closed', notice('Comments on this story are closed.', story));
    }
    const problems = commentProblems(fields.name, fields.text);
    if (problems.length > 0) {
      this.counts.refused += 1;
      return page(res, 422, 'Please check your comment', formAgain(story, fields, problems));
    }
    const digest = createHash('sha256').update(`${story.id}\n${fields.text}`).digest('base64url');
    if (this.#recent.get(digest).some((t) => t > now - this.#limits.duplicateMs)) {
      this.counts.duplicates += 1;
      this.#parts.log(`comment on ${story.id}: a duplicate of one just posted, not written again`);
      return redirect(res, story);
    }
    const comment: PendingComment = {
      _id: `comment-${randomBytes(12).toString('base64url')}`,
      _type: 'comment',
      story: { _type: 'reference', _ref: story.id, _weak: true },
      name: fields.name,
      text: fields.text,
      postedAt: new Date(now).toISOString(),
      state: 'pending',
    };
    try {
      await this.#parts.write(comment);
    } catch (error) {
      this.#parts.log(`comment on ${story.id} not written: ${error instanceof Error ? error.message : String(error)}`);
      return page(
        res,
        503,
        'Comment not saved',
        formAgain(story, fields, [
          { field: 'text', message: 'Your comment could not be saved just now: please send it again in a minute.' },
        ]),
        { 'retry-after': '60' },
      );
    }
    this.#recent.set(digest, [now]);
    this.counts.accepted += 1;
    this.#parts.log(`comment ${comment._id} on ${story.id}: pending moderation`);
    return redirect(res, story);
  }

  #methodNotAllowed(res: ServerResponse, allow: string): void {
    page(res, 405, 'Method not allowed', notice('Comments are posted with the form under each story.'), { allow });
  }

  /**
   * Why the request is not a form post from a page of the site, if it is not: browsers send `Origin` with every
   * POST, and `Sec-Fetch-Site` when they support it. A request with neither is not from a browser's form.
   */
  #originProblem(req: IncomingMessage): string | undefined {
    const site = req.headers['sec-fetch-site'];
    if (site !== undefined && site !== 'same-origin') return `Sec-Fetch-Site is ${JSON.stringify(site)}`;
    const origin = req.headers.origin;
    if (origin === undefined) return site === undefined ? 'neither Origin nor Sec-Fetch-Site was sent' : undefined;
    // Stryker disable next-line ArrayDeclaration: a list of one string that is no origin matches no Origin a browser sends
    const own = req.headers.host ? [`http://${req.headers.host}`, `https://${req.headers.host}`] : [];
    if (![...own, ...this.#parts.origins].includes(origin))
      return `Origin ${JSON.stringify(origin.slice(0, 100))} is not the site's`;
    return undefined;
  }

  /** The address a rate limit counts against: an IPv6 client's /64 (one household or server), an IPv4 address. */
  #address(req: IncomingMessage): string {
    // Stryker disable next-line StringLiteral: a socket has no address only once it is closed, when no answer arrives
    let address = req.socket.remoteAddress ?? 'unknown';
    if (this.#parts.trustProxy) {
      const forwarded = String(req.headers['x-forwarded-for'] ?? '')
        .split(',')
        .map((part) => part.trim())
        .filter(Boolean)
        .at(-1);
      if (forwarded) address = forwarded;
    }
    address = address.replace(/^::ffff:/, '');
    if (isIPv6(address)) {
      const groups = expandIPv6(address);
      if (groups) return `${groups.slice(0, 4).join(':')}::/64`;
    }
    return address.slice(0, 64);
  }
}

/** The eight groups of an IPv6 address, or undefined. */
function expandIPv6(address: string): string[] | undefined {
  const [head, tail] = address.split('%')[0]!.split('::');
  const left = head ? head.split(':') : [];
  // Stryker disable next-line ArrayDeclaration: with nothing after '::', a made-up group after it only takes the place of a zero past the /64 kept
  const right = tail ? tail.split(':') : [];
  const groups =
    tail === undefined ? left : [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  return groups.length === 8 ? groups.map((g) => g.toLowerCase().replace(/^0+(?=.)/, '')) : undefined;
}

/** What `readBody` gives: the text, or why there is none. */
type Body = { text: string } | 'too large' | 'not utf-8';

/** The body as text; `too large` past `max` bytes (the rest is not read). */
async function readBody(req: IncomingMessage, max: number): Promise<Body> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > max) {
    // Stryker disable next-line CallExpression: Node drops an unread body once the answer is sent; this starts it sooner
    req.resume();
    return 'too large';
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > max) {
      req.resume();
      return 'too large';
    }
    chunks.push(chunk);
  }
  try {
    return { text: new TextDecoder('utf-8', { fatal: true }).decode(Buffer.concat(chunks)) };
  } catch {
    return 'not utf-8';
  }
}

/** Escapes text for HTML content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Back to the story, where its notice says the comment awaits moderation (the front page if there is none). */
function redirect(res: ServerResponse, story: CommentStory | undefined): void {
  res
    .writeHead(303, {
      ...securityHeaders(),
      location: story ? `${story.url}#${COMMENT_RECEIVED}` : '/',
      'cache-control': 'no-store',
      'content-length': 0,
    })
    .end();
}

/** A small page of its own (no stylesheet or script: the site's CSP holds), in the site's words. */
function page(
  res: ServerResponse,
  status: number,
  title: string,
  main: string,
  headers: Record<string, string> = {},
): void {
  const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${escapeHtml(title)}</title>
</head>
<body>
<main>
<h1>${escapeHtml(title)}</h1>
${main}
</main>
</body>
</html>
`;
  res
    .writeHead(status, {
      ...securityHeaders(),
      'content-type': 'text/html; charset=utf-8',
      'content-length': Buffer.byteLength(html),
      'cache-control': 'no-store',
      ...headers,
    })
    .end(html);
}

function backLink(story: CommentStory | undefined): string {
  return story
    ? `<p><a href="${escapeHtml(story.url)}">Back to “${escapeHtml(story.title)}”</a></p>`
    : '<p><a href="/">Back to the front page</a></p>';
}

function notice(message: string, story?: CommentStory): string {
  return `<p>${escapeHtml(message)}</p>\n${backLink(story)}`;
}

/** The form again, with the problems above it and the reader's words in it. */
function formAgain(story: CommentStory, fields: FormFields, problems: CommentProblem[]): string {
  const items = problems.map((p) => `<li><a href="#comment-${p.field}">${escapeHtml(p.message)}</a></li>`).join('\n');
  const invalid = (field: CommentProblem['field']) =>
    problems.some((p) => p.field === field) ? ' aria-invalid="true"' : '';
  return `<div role="alert">
<p>Your comment on “${escapeHtml(story.title)}” was not posted yet. Please fix:</p>
<ul>
${items}
</ul>
</div>
<form method="post" action="${COMMENTS_PATH}">
<input type="hidden" name="story" value="${escapeHtml(story.id)}">
<p><label for="comment-name">Name</label><br>
<input id="comment-name" name="name" type="text" required maxlength="${LIMITS.commentName.max}" autocomplete="nickname" value="${escapeHtml(fields.name)}"${invalid('name')}></p>
<p><label for="comment-text">Comment</label><br>
<textarea id="comment-text" name="text" required maxlength="${LIMITS.commentText.max}" rows="8" cols="60"${invalid('text')}>${escapeHtml(fields.text)}</textarea></p>
<p><button type="submit">Post comment</button></p>
</form>
${backLink(story)}`;
}
