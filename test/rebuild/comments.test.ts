import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { CommentsEndpoint, type CommentLimits, type CommentStory } from '../../rebuild/comments.ts';
import { LIMITS } from '../../src/lib/model/rules.ts';
import { failure, startTestLake, TOKENS, type TestLake } from '../lake/lake-harness.ts';

// The comments endpoint's rules, over real HTTP, writing to a real lake with a commenter token.

const COMMENTER = 'test-commenter-token';
const STORIES: Record<string, CommentStory> = {
  'story-open': { id: 'story-open', url: '/news/open/', title: 'An open story', closed: false },
  'story-closed': { id: 'story-closed', url: '/news/closed/', title: 'A closed story', closed: true },
};

let lake: TestLake;
let server: Server;
let base: string;
let endpoint: CommentsEndpoint;
let limits: Partial<CommentLimits> = {};
let fresh: () => void;
const logs: string[] = [];

beforeAll(async () => {
  lake = await startTestLake({
    tokens: {
      [TOKENS.admin]: { role: 'administrator' },
      [TOKENS.editor]: { role: 'editor' },
      [COMMENTER]: { role: 'commenter', name: 'Comments' },
    },
  });
  const writer = lake.client(COMMENTER);
  server = createServer((req, res) => {
    void endpoint.handle(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  // Each test gets a fresh endpoint (fresh rate limits) over the same lake.
  const make = () =>
    new CommentsEndpoint({
      story: (id) => STORIES[id],
      write: async (comment) => {
        await writer.create(comment);
      },
      origins: ['https://news.example'],
      trustProxy: true,
      limits,
      log: (line) => logs.push(line),
    });
  fresh = () => (endpoint = make());
});

let address = 0;
beforeEach(() => {
  limits = {};
  fresh();
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await lake.close();
});

/** Posts the form as a browser does from the site's page; each call is from a new address unless `from` is given. */
async function post(
  fields: Record<string, string>,
  options: { headers?: Record<string, string>; from?: string; body?: string } = {},
) {
  const from = options.from ?? `203.0.113.${(address += 1) % 250}`;
  return fetch(`${base}/comments`, {
    method: 'POST',
    redirect: 'manual',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      origin: 'https://news.example',
      'sec-fetch-site': 'same-origin',
      'x-forwarded-for': from,
      ...options.headers,
    },
    body: options.body ?? new URLSearchParams(fields).toString(),
  });
}

const comments = () =>
  lake
    .client(TOKENS.editor)
    .fetch<{ _id: string; name: string; text: string; state: string; story: { _ref: string; _weak?: boolean } }[]>(
      '*[_type == "comment"] | order(postedAt asc)',
    );

const form = (text: string, extra: Record<string, string> = {}) => ({
  story: 'story-open',
  name: 'Ada Reader',
  text,
  website: '',
  ...extra,
});

describe('the comments endpoint', () => {
  test('a comment is written pending, with a weak reference to its story, and the reader is sent back to the story’s awaiting-moderation notice', async () => {
    const response = await post(form('First line  \r\nsecond line\r\n\r\n\r\n\r\nA new paragraph.\u202e'));
    expect(response.status).toBe(303);
    const location = response.headers.get('location') ?? '';
    expect(location).toBe('/news/open/#comment-received');
    const written = (await comments()).find((c) => c.text.startsWith('First line'));
    expect(written).toMatchObject({
      name: 'Ada Reader',
      text: 'First line\nsecond line\n\nA new paragraph.',
      state: 'pending',
      story: { _ref: 'story-open', _weak: true },
    });
  });

  test('hostile text is stored as text, and a form shown again escapes it', async () => {
    const hostile = '<script>alert(1)</script><img src=x onerror=alert(2)> <a href="javascript:alert(3)">x</a>';
    const response = await post(form(hostile, { name: '' }));
    expect(response.status).toBe(422);
    const html = await response.text();
    expect(html).not.toContain('<script>alert');
    expect(html).not.toContain('<img src=x');
    expect(html).toContain('&#60;script&#62;alert(1)&#60;/script&#62;');
    expect(html).toContain('Please give a name to show with your comment.');
    expect(response.headers.get('content-security-policy')).toContain("default-src 'none'");
    const stored = await post(form(hostile));
    expect(stored.status).toBe(303);
    expect((await comments()).some((c) => c.text === hostile)).toBe(true);
  });

  test('length limits: the form comes back with what to fix and the reader’s words in it', async () => {
    const long = 'word '.repeat(LIMITS.commentText.max / 4);
    const response = await post(form(long, { name: 'N'.repeat(LIMITS.commentName.max + 1) }));
    expect(response.status).toBe(422);
    const html = await response.text();
    expect(html).toContain(`please keep it to ${LIMITS.commentName.max}.`);
    expect(html).toContain(`please keep it to ${LIMITS.commentText.max.toLocaleString('en-US')}.`);
    expect(html).toContain(`>${long.trim()}</textarea>`);
    expect((await post(form(' \n\t '))).status).toBe(422);
  });

  test('a 100 KB comment is refused before it is read, and nothing is written', async () => {
    const before = (await comments()).length;
    const response = await post(form('x'.repeat(100 * 1024)));
    expect(response.status).toBe(413);
    expect(await response.text()).toContain('far too long');
    expect((await comments()).length).toBe(before);
  });

  test('a filled-in honeypot is answered as a reader is, and nothing is written', async () => {
    const before = (await comments()).length;
    const response = await post(form('Buy now', { website: 'https://spam.example' }));
    expect(response.status).toBe(303);
    expect((await comments()).length).toBe(before);
    expect(endpoint.counts.honeypot).toBe(1);
  });

  test('the same comment on the same story is written once', async () => {
    const text = `Said once, sent twice ${Date.now()}`;
    expect((await post(form(text))).status).toBe(303);
    expect((await post(form(text))).status).toBe(303);
    expect((await comments()).filter((c) => c.text === text)).toHaveLength(1);
    expect(endpoint.counts.duplicates).toBe(1);
  });

  test('closed and unknown stories take no comments', async () => {
    const before = (await comments()).length;
    const closed = await post(form('Hello', { story: 'story-closed' }));
    expect(closed.status).toBe(403);
    expect(await closed.text()).toContain('Comments on this story are closed.');
    expect((await post(form('Hello', { story: 'story-nowhere' }))).status).toBe(404);
    expect((await comments()).length).toBe(before);
  });

  test('a burst from one address is limited; other addresses are not; memory stays bounded', async () => {
    limits = { perAddress: 3, maxTracked: 50 };
    fresh();
    const statuses: number[] = [];
    for (let i = 0; i < 6; i += 1)
      statuses.push((await post(form(`Burst ${i} ${Date.now()}`), { from: '198.51.100.7' })).status);
    expect(statuses).toEqual([303, 303, 303, 429, 429, 429]);
    // An IPv6 client is counted by its /64.
    const v6: number[] = [];
    for (let i = 1; i <= 4; i += 1)
      v6.push((await post(form(`Six ${i} ${Date.now()}`), { from: `2001:db8:1:2::${i}` })).status);
    expect(v6).toEqual([303, 303, 303, 429]);
    expect((await post(form(`Another reader ${Date.now()}`), { from: '198.51.100.8' })).status).toBe(303);
    for (let i = 0; i < 200; i += 1) await post(form(''), { from: `10.0.${i >> 8}.${i & 255}` });
    expect(endpoint.tracked.addresses).toBeLessThanOrEqual(50);
  });

  test('only form posts from the site’s pages are taken', async () => {
    const cases: [Record<string, string>, number][] = [
      [{ origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' }, 403],
      [{ origin: 'https://evil.example', 'sec-fetch-site': '' }, 403],
      [{ origin: 'null' }, 403],
      [{ 'content-type': 'text/plain' }, 415],
      [{ 'content-type': 'application/json' }, 415],
    ];
    for (const [headers, status] of cases) {
      const clean = Object.fromEntries(Object.entries(headers).filter(([, v]) => v !== ''));
      const response = await post(form('Forged'), { headers: clean });
      expect(response.status, JSON.stringify(headers)).toBe(status);
    }
    // Neither header: no browser form sent it.
    const bare = await fetch(`${base}/comments`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(form('Bare')).toString(),
    });
    expect(bare.status).toBe(403);
    expect((await fetch(`${base}/comments`)).status).toBe(405);
    expect((await comments()).some((c) => c.text === 'Forged' || c.text === 'Bare')).toBe(false);
  });
});

describe('the commenter token', () => {
  test('creates pending comments and nothing else, and reads only what anonymous callers read', async () => {
    const commenter = lake.client(COMMENTER);
    const editor = lake.client(TOKENS.editor);
    await editor.create({ _id: 'story-x', _type: 'story', title: 'X' });
    await editor.create({ _id: 'drafts.story-y', _type: 'story', title: 'Y' });
    await commenter.create({ _id: 'comment-ok', _type: 'comment', state: 'pending', name: 'A', text: 'B' });
    const refused: (() => Promise<unknown>)[] = [
      () => commenter.create({ _type: 'comment', state: 'approved', name: 'A', text: 'B' }),
      () => commenter.create({ _type: 'story', title: 'Spam' }),
      () => commenter.create({ _id: 'drafts.comment-x', _type: 'comment', state: 'pending' }),
      () => commenter.createOrReplace({ _id: 'story-x', _type: 'comment', state: 'pending' }),
      () => commenter.patch('comment-ok').set({ state: 'approved' }).commit(),
      () => commenter.patch('story-x').set({ title: 'Defaced' }).commit(),
      () => commenter.delete('story-x'),
      () => commenter.fetch('*', {}, { perspective: 'drafts' }),
      () => commenter.fetch('*', {}, { perspective: 'raw' }),
    ];
    for (const call of refused) expect((await failure(call())).statusCode).toBe(403);
    const seen = await commenter.fetch<string[]>('*[_type == "story"]._id');
    expect(seen).toEqual(['story-x']);
    expect(await editor.fetch('*[_id == "story-x"][0].title')).toBe('X');
    expect(await editor.fetch('*[_id == "comment-ok"][0].state')).toBe('pending');
  });
});
