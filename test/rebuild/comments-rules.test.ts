import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  COMMENT_LIMITS,
  CommentsEndpoint,
  escapeHtml,
  type CommentsParts,
  type CommentStory,
  type PendingComment,
} from '../../rebuild/comments.ts';

// The comments endpoint's rules one by one, over real HTTP on 127.0.0.1, with a clock of the test's own and the
// written comments kept in an array (comments.test.ts writes them to a real lake).

const STORIES: Record<string, CommentStory> = {
  'story-open': { id: 'story-open', url: '/news/open/', title: 'An open story', closed: false },
  'story-odd': { id: 'story-odd', url: '/news/a"b<c>/', title: 'Tom & "Jerry" <3', closed: false },
  'story-closed': { id: 'story-closed', url: '/news/closed/', title: 'A closed story', closed: true },
};

let server: Server;
let port: number;
let handler: CommentsEndpoint | undefined;

beforeAll(async () => {
  server = createServer((req, res) => void handler?.handle(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

/** A fresh endpoint with a clock set by the test, recording what it writes and logs. */
function endpoint(parts: Partial<CommentsParts> = {}) {
  const written: PendingComment[] = [];
  const logs: string[] = [];
  const clock = { now: 1_000_000 };
  const made = new CommentsEndpoint({
    story: (id) => STORIES[id],
    write: (comment) => {
      written.push(comment);
      return Promise.resolve();
    },
    origins: ['https://news.example'],
    trustProxy: true,
    log: (line) => logs.push(line),
    now: () => clock.now,
    ...parts,
  });
  handler = made;
  return { endpoint: made, written, logs, clock };
}

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

/** A request with exactly the headers given (and the Host Node sends); the body in the chunks given. */
function send(
  options: { method?: string; headers?: Record<string, string>; chunks?: (string | Buffer)[] } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, path: '/comments', method: options.method ?? 'POST', headers: options.headers },
      (res) => {
        const parts: Buffer[] = [];
        res.on('data', (chunk: Buffer) => parts.push(chunk));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(parts).toString('utf8') }),
        );
      },
    );
    req.on('error', reject);
    for (const chunk of options.chunks ?? []) req.write(chunk);
    req.end();
  });
}

const FORM = 'application/x-www-form-urlencoded';

/** A form post as a browser sends it from the site's page, from `from` (X-Forwarded-For). */
function post(fields: Record<string, string>, from = '192.0.2.1', headers: Record<string, string> = {}) {
  return send({
    headers: { 'content-type': FORM, origin: 'https://news.example', 'x-forwarded-for': from, ...headers },
    chunks: [new URLSearchParams(fields).toString()],
  });
}

const form = (text: string, extra: Record<string, string> = {}) => ({
  story: 'story-open',
  name: 'Ada Reader',
  text,
  website: '',
  ...extra,
});

describe('the limits', () => {
  test('as documented: the longest comment percent-encoded fits, 5 comments in 10 minutes, 10,000 addresses, a day', () => {
    // 12 bytes a character (four UTF-8 bytes, each %XX) for 2,000 + 60 characters, and 1 KB for the rest.
    expect(COMMENT_LIMITS).toEqual({
      maxBytes: 12 * 2060 + 1024,
      perAddress: 5,
      windowMs: 600_000,
      maxTracked: 10_000,
      duplicateMs: 86_400_000,
    });
  });

  test('the defaults hold when none are given: the sixth comment in ten minutes waits for the first to age', async () => {
    const { clock } = endpoint();
    const start = clock.now;
    for (let i = 0; i < 5; i += 1) {
      clock.now = start + i * 1000;
      expect((await post(form(`Comment ${i}`))).status).toBe(303);
    }
    clock.now = start + 5000;
    const limited = await post(form('One too many'));
    expect(limited.status).toBe(429);
    // The first comment leaves the window 600 s after it was posted: 595 s from now.
    expect(limited.headers['retry-after']).toBe('595');
    expect(limited.text).toContain('You have posted 5 comments in the last 10 minutes');
    expect(limited.text).toContain('<title>Too many comments</title>');
    // One millisecond before the first leaves the window, still limited, for a second at most.
    clock.now = start + 600_000 - 1;
    const last = await post(form('Still too many'));
    expect(last.status).toBe(429);
    expect(last.headers['retry-after']).toBe('1');
    // At 600 s the first is out of the window.
    clock.now = start + 600_000;
    expect((await post(form('Room again'))).status).toBe(303);
  });

  test('a body over maxBytes is refused, whether its length is declared or not; one of maxBytes is read', async () => {
    const { written, endpoint: made } = endpoint({ limits: { maxBytes: 200 } });
    const body = (size: number) => {
      const head = 'story=story-open&name=Ada+Reader&website=&text=';
      return head + 'x'.repeat(size - head.length);
    };
    const headers = { 'content-type': FORM, origin: 'https://news.example' };
    const fits = await send({ headers: { ...headers, 'content-length': '200' }, chunks: [body(200)] });
    expect(fits.status).toBe(303);
    expect(written).toHaveLength(1);
    const declared = await send({ headers: { ...headers, 'content-length': '201' }, chunks: [body(201)] });
    expect(declared.status).toBe(413);
    expect(declared.headers['connection']).toBe('close');
    expect(declared.text).toContain('please keep it to 2,000 characters');
    expect(declared.text).toContain('<title>Comment too long</title>');
    // A length declared too long is refused at once, before the body comes.
    const early = await new Promise<number>((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port,
          path: '/comments',
          method: 'POST',
          headers: { ...headers, 'content-length': '1000000' },
        },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
          req.destroy();
        },
      );
      req.on('error', (error) => (req.destroyed ? undefined : reject(error)));
      req.write('story=story-open');
    });
    expect(early).toBe(413);
    // Sent in chunks without a length: refused once the chunks pass the limit.
    const text = body(201);
    const chunked = await send({ headers, chunks: [text.slice(0, 150), text.slice(150)] });
    expect(chunked.status).toBe(413);
    expect(written).toHaveLength(1);
    expect(made.counts.refused).toBe(3);
  });
});

describe('what is taken', () => {
  test('a comment: written pending under a fresh id, at the clock’s time, then counted and logged', async () => {
    const { written, logs, endpoint: made, clock } = endpoint();
    const answer = await post(form('Well said.'));
    expect(answer.status).toBe(303);
    expect(answer.headers['location']).toBe('/news/open/#comment-received');
    expect(answer.headers['cache-control']).toBe('no-store');
    expect(answer.headers['content-length']).toBe('0');
    expect(answer.headers['x-frame-options']).toBe('DENY');
    expect(written).toHaveLength(1);
    const [comment] = written as [PendingComment];
    expect(comment).toEqual({
      _id: expect.stringMatching(/^comment-[\w-]{16}$/) as unknown,
      _type: 'comment',
      story: { _type: 'reference', _ref: 'story-open', _weak: true },
      name: 'Ada Reader',
      text: 'Well said.',
      postedAt: new Date(clock.now).toISOString(),
      state: 'pending',
    });
    expect(made.counts).toEqual({ accepted: 1, refused: 0, limited: 0, duplicates: 0, honeypot: 0 });
    expect(logs).toEqual([`comment ${comment._id} on story-open: pending moderation`]);
    await post(form('Another one.'));
    expect(written[1]?._id).not.toBe(comment._id);
  });

  test('the content type may have parameters and any case', async () => {
    const { written } = endpoint();
    const answer = await post(form('Typed'), '192.0.2.1', {
      'content-type': ' Application/X-WWW-Form-URLencoded ; charset=UTF-8',
    });
    expect(answer.status).toBe(303);
    expect(written).toHaveLength(1);
  });

  test('from a page of the site: its own origin over http or https, a configured origin, or Sec-Fetch-Site alone', async () => {
    const { written } = endpoint();
    const host = `127.0.0.1:${port}`;
    const cases: Record<string, string>[] = [
      { origin: `http://${host}` },
      { origin: `https://${host}` },
      { origin: 'https://news.example', 'sec-fetch-site': 'same-origin' },
      { 'sec-fetch-site': 'same-origin' },
    ];
    for (const [i, headers] of cases.entries()) {
      const answer = await send({
        headers: { 'content-type': FORM, ...headers },
        chunks: [new URLSearchParams(form(`Case ${i}`)).toString()],
      });
      expect(answer.status, JSON.stringify(headers)).toBe(303);
    }
    expect(written.map((c) => c.text)).toEqual(['Case 0', 'Case 1', 'Case 2', 'Case 3']);
  });
});

describe('what is refused', () => {
  test('a GET: 405, allowing POST', async () => {
    const { endpoint: made } = endpoint();
    const answer = await send({ method: 'GET' });
    expect(answer.status).toBe(405);
    expect(answer.headers['allow']).toBe('POST');
    expect(answer.text).toContain('<title>Method not allowed</title>');
    expect(answer.text).toContain('Comments are posted with the form under each story.');
    expect(made.counts.refused).toBe(0);
    expect(CommentsEndpoint.handles('/comments')).toBe(true);
    expect(CommentsEndpoint.handles('/comments/')).toBe(false);
  });

  test('a post from elsewhere: 403, counted, and the log says why', async () => {
    const { written, logs, endpoint: made } = endpoint();
    const long = `https://${'e'.repeat(200)}.example`;
    const cases: [Record<string, string>, string][] = [
      [{ 'sec-fetch-site': 'same-site', origin: 'https://news.example' }, 'Sec-Fetch-Site is "same-site"'],
      [{}, 'neither Origin nor Sec-Fetch-Site was sent'],
      [{ origin: 'https://evil.example' }, 'Origin "https://evil.example" is not the site\'s'],
      [{ origin: long }, `Origin ${JSON.stringify(long.slice(0, 100))} is not the site's`],
    ];
    for (const [headers, why] of cases) {
      logs.length = 0;
      const answer = await send({
        headers: { 'content-type': FORM, ...headers },
        chunks: [new URLSearchParams(form('Forged')).toString()],
      });
      expect(answer.status).toBe(403);
      expect(answer.text).toContain('This comment was not sent from a page of this site.');
      expect(answer.text).toContain('<title>Comment not accepted</title>');
      expect(logs).toEqual([`comment refused: ${why}`]);
    }
    expect(written).toHaveLength(0);
    expect(made.counts.refused).toBe(4);
  });

  test('a body not of a form: 415; a body not UTF-8: 400', async () => {
    const { written, endpoint: made } = endpoint();
    const headers = { origin: 'https://news.example' };
    const body = new URLSearchParams(form('Typed wrong')).toString();
    const untyped = await send({ headers, chunks: [body] });
    expect(untyped.status).toBe(415);
    expect(untyped.text).toContain('<title>Comment not accepted</title>');
    expect(untyped.text).toContain('<p>Please send your comment with the form under the story.</p>');
    expect((await send({ headers: { ...headers, 'content-type': 'text/plain' }, chunks: [body] })).status).toBe(415);
    const bad = await send({
      headers: { ...headers, 'content-type': FORM },
      chunks: [Buffer.concat([Buffer.from('story=story-open&name=Ada&text=ab'), Buffer.from([0xff, 0xfe])])],
    });
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('Your comment could not be read: please send it again.');
    expect(bad.text).toContain('<title>Comment not accepted</title>');
    expect(written).toHaveLength(0);
    expect(made.counts.refused).toBe(3);
  });

  test('an unknown story: 404; a closed one: 403 with a link back to it; fields left out are empty', async () => {
    const { written, endpoint: made } = endpoint();
    const unknown = await post(form('Hello', { story: 'story-nowhere' }));
    expect(unknown.status).toBe(404);
    expect(unknown.text).toContain('The story you commented on is not on the site.');
    expect(unknown.text).toContain('<title>Story not found</title>');
    expect(unknown.text).toContain('<a href="/">Back to the front page</a>');
    const closed = await post(form('Hello', { story: 'story-closed' }));
    expect(closed.status).toBe(403);
    expect(closed.text).toContain('<title>Comments closed</title>');
    expect(closed.text).toContain('<a href="/news/closed/">Back to “A closed story”</a>');
    expect((await post({ name: 'Ada', text: 'No story' })).status).toBe(404);
    const nameless = await post({ story: 'story-open', text: 'No name' });
    expect(nameless.status).toBe(422);
    expect(nameless.text).toContain('Please give a name to show with your comment.');
    const textless = await post({ story: 'story-open', name: 'Ada' });
    expect(textless.status).toBe(422);
    expect(textless.text).toContain('Please write a comment.');
    expect(written).toHaveLength(0);
    expect(made.counts.refused).toBe(5);
  });

  test('the form again marks the fields to fix, links to them, and escapes everything it shows', async () => {
    endpoint();
    const name = await post(form('Fine text', { story: 'story-odd', name: '' }));
    expect(name.status).toBe(422);
    expect(name.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(name.headers['cache-control']).toBe('no-store');
    expect(Number(name.headers['content-length'])).toBe(Buffer.byteLength(name.text));
    expect(name.text).toContain('<title>Please check your comment</title>');
    expect(name.text).toContain('<h1>Please check your comment</h1>');
    expect(name.text).toContain('<li><a href="#comment-name">Please give a name to show with your comment.</a></li>');
    expect(name.text).toContain('value="" aria-invalid="true">');
    expect(name.text).toContain('rows="8" cols="60">Fine text</textarea>');
    expect(name.text).toContain('<input type="hidden" name="story" value="story-odd">');
    expect(name.text).toContain('maxlength="60"');
    expect(name.text).toContain('maxlength="2000"');
    expect(name.text).toContain('Your comment on “Tom &#38; &#34;Jerry&#34; &#60;3” was not posted yet.');
    expect(name.text).toContain('<a href="/news/a&#34;b&#60;c&#62;/">Back to “Tom &#38; &#34;Jerry&#34; &#60;3”</a>');
    const text = await post(form('', { name: '<Ada & "Bob">' }));
    expect(text.text).toContain('value="&#60;Ada &#38; &#34;Bob&#34;&#62;">');
    expect(text.text).toContain('<li><a href="#comment-text">Please write a comment.</a></li>');
    expect(text.text).toContain('cols="60" aria-invalid="true"></textarea>');
    expect(text.text).not.toContain('autocomplete="nickname" value="&#60;Ada &#38; &#34;Bob&#34;&#62;" aria-invalid');
    // Both fields to fix: both marked, one item a line.
    const both = await post(form('', { name: '' }));
    expect(both.text).toContain(
      'with your comment.</a></li>\n<li><a href="#comment-text">Please write a comment.</a></li>',
    );
    expect(both.text).toContain('value="" aria-invalid="true">');
    expect(both.text).toContain('cols="60" aria-invalid="true"></textarea>');
  });

  test('escapeHtml escapes the five characters that matter, and nothing else', () => {
    expect(escapeHtml(`a&b<c>d"e'f`)).toBe('a&#38;b&#60;c&#62;d&#34;e&#39;f');
    expect(escapeHtml('plain “text” é')).toBe('plain “text” é');
  });

  test('a failed write: 503 with the form again, to be sent in a minute; it is not a duplicate when sent again', async () => {
    let fail = true;
    const written: PendingComment[] = [];
    const { logs, endpoint: made } = endpoint({
      write: (comment) => {
        if (fail) return Promise.reject(new Error('the lake is down'));
        written.push(comment);
        return Promise.resolve();
      },
    });
    const failed = await post(form('Worth keeping'));
    expect(failed.status).toBe(503);
    expect(failed.headers['retry-after']).toBe('60');
    expect(failed.text).toContain('Your comment could not be saved just now: please send it again in a minute.');
    expect(failed.text).toContain('aria-invalid="true">Worth keeping</textarea>');
    expect(failed.text).toContain('<title>Comment not saved</title>');
    expect(failed.text).toContain('<li><a href="#comment-text">Your comment could not be saved just now');
    expect(logs).toEqual(['comment on story-open not written: the lake is down']);
    expect(made.counts.accepted).toBe(0);
    fail = false;
    expect((await post(form('Worth keeping'))).status).toBe(303);
    expect(written.map((c) => c.text)).toEqual(['Worth keeping']);
    expect(made.counts).toMatchObject({ accepted: 1, duplicates: 0 });
  });
});

describe('robots and repeats', () => {
  test('a filled-in honeypot is sent back to the story (or the front page), counted, and nothing is kept', async () => {
    const { written, logs, endpoint: made } = endpoint({ limits: { perAddress: 1 } });
    const bot = await post(form('Buy now', { website: 'https://spam.example' }), '192.0.2.7');
    expect(bot.status).toBe(303);
    expect(bot.headers['location']).toBe('/news/open/#comment-received');
    const lost = await post(form('Buy now', { story: 'story-nowhere', website: 'x' }), '192.0.2.8');
    expect(lost.headers['location']).toBe('/');
    expect(written).toHaveLength(0);
    expect(made.counts).toMatchObject({ honeypot: 2, accepted: 0, refused: 0 });
    expect(logs).toEqual([
      'comment dropped: the honeypot field was filled in',
      'comment dropped: the honeypot field was filled in',
    ]);
    // It counted against its address.
    expect((await post(form('Now a real one'), '192.0.2.7')).status).toBe(429);
    expect(made.counts.limited).toBe(1);
  });

  test('the same text on the same story within a day is written once; on another story, or a day later, again', async () => {
    const { written, logs, endpoint: made, clock } = endpoint();
    const start = clock.now;
    expect((await post(form('Same words'), '192.0.2.1')).status).toBe(303);
    clock.now = start + 86_400_000 - 1;
    const again = await post(form('Same words'), '192.0.2.2');
    expect(again.status).toBe(303);
    expect(again.headers['location']).toBe('/news/open/#comment-received');
    expect(written).toHaveLength(1);
    expect(made.counts.duplicates).toBe(1);
    expect(logs.at(-1)).toBe('comment on story-open: a duplicate of one just posted, not written again');
    expect((await post(form('Same words', { story: 'story-odd' }), '192.0.2.3')).status).toBe(303);
    expect(written).toHaveLength(2);
    clock.now = start + 86_400_000;
    expect((await post(form('Same words'), '192.0.2.4')).status).toBe(303);
    expect(written).toHaveLength(3);
    expect(made.tracked.recent).toBe(2);
  });

  test('at most maxTracked recent comments are remembered, the oldest forgotten first', async () => {
    const { written, endpoint: made } = endpoint({ limits: { maxTracked: 2 } });
    for (const [i, text] of ['one', 'two', 'three'].entries()) await post(form(text), `192.0.2.${i + 1}`);
    expect(made.tracked).toEqual({ addresses: 2, recent: 2 });
    // 'one' was forgotten: written again; 'three' was not.
    await post(form('one'), '192.0.2.10');
    await post(form('three'), '192.0.2.11');
    expect(written.map((c) => c.text)).toEqual(['one', 'two', 'three', 'one']);
  });
});

describe('the address a limit counts against', () => {
  /** The address the endpoint logs when it limits the second post from `from` (with one post an address). */
  async function limitedAs(from: string, parts: Partial<CommentsParts> = {}): Promise<string | undefined> {
    const { logs } = endpoint({ limits: { perAddress: 1 }, ...parts });
    await post(form('First'), from);
    await post(form('Second'), from);
    return logs.find((l) => l.startsWith('comment refused: rate limit for '))?.slice(32);
  }

  test('the last X-Forwarded-For entry behind a proxy; the socket’s address otherwise', async () => {
    expect(await limitedAs('198.51.100.1, 203.0.113.9 , ')).toBe('203.0.113.9');
    expect(await limitedAs('::ffff:203.0.113.9')).toBe('203.0.113.9');
    expect(await limitedAs('198.51.100.1', { trustProxy: false })).toBe('127.0.0.1');
    expect(await limitedAs(' , ')).toBe('127.0.0.1');
    const { logs } = endpoint({ limits: { perAddress: 1 } });
    const bare = () =>
      send({
        headers: { 'content-type': FORM, origin: 'https://news.example' },
        chunks: [new URLSearchParams(form('No proxy header')).toString()],
      });
    await bare();
    await bare();
    expect(logs).toContain('comment refused: rate limit for 127.0.0.1');
    // A proxy's value is at most 64 characters of the log and of memory.
    expect(await limitedAs('x'.repeat(100))).toBe('x'.repeat(64));
  });

  test('an IPv6 client by its /64, however the address is written', async () => {
    expect(await limitedAs('2001:0DB8:0000:0000:0000:0000:0000:0001')).toBe('2001:db8:0:0::/64');
    expect(await limitedAs('2001:db8:1:2::1')).toBe('2001:db8:1:2::/64');
    expect(await limitedAs('::1')).toBe('0:0:0:0::/64');
    expect(await limitedAs('1::')).toBe('1:0:0:0::/64');
    expect(await limitedAs('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
    expect(await limitedAs('1::2:3:4:5:6:7')).toBe('1:0:2:3::/64');
    expect(await limitedAs('2001:db8::ffff:1:2')).toBe('2001:db8:0:0::/64');
    // Not an address: kept as written, even with eight groups.
    expect(await limitedAs('g:h:i:j:k:l:m:n')).toBe('g:h:i:j:k:l:m:n');
    // An IPv4 tail makes seven groups: kept as written.
    expect(await limitedAs('1:2:3:4:5:6:1.2.3.4')).toBe('1:2:3:4:5:6:1.2.3.4');
  });

  test('addresses in one /64 share a limit; the next /64 has its own', async () => {
    endpoint({ limits: { perAddress: 1 } });
    expect((await post(form('a'), '2001:db8:1:2::1')).status).toBe(303);
    expect((await post(form('b'), '2001:db8:1:2:ffff:ffff:ffff:ffff')).status).toBe(429);
    expect((await post(form('c'), '2001:db8:1:3::1')).status).toBe(303);
  });

  test('at most maxTracked addresses; one still limited stays remembered as the newest', async () => {
    const { endpoint: made } = endpoint({ limits: { perAddress: 1, maxTracked: 2 } });
    await post(form('a1'), '192.0.2.1');
    await post(form('b1'), '192.0.2.2');
    expect((await post(form('a2'), '192.0.2.1')).status).toBe(429);
    // The limited address was touched last: a third address makes the endpoint forget 192.0.2.2, not it.
    await post(form('c1'), '192.0.2.3');
    expect(made.tracked.addresses).toBe(2);
    expect((await post(form('a3'), '192.0.2.1')).status).toBe(429);
    expect((await post(form('b2'), '192.0.2.2')).status).toBe(303);
  });
});
