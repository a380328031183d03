import { encodeSignatureHeader } from '@sanity/webhook';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { WebhookVerifier, type WebhookDelivery, type WebhookRefusal } from '../../rebuild/webhook.ts';

const SECRET = 'unit-test-webhook-secret';
const MAX_BYTES = 4096;
const MAX_AGE_MS = 5 * 60_000;
/** The verifier's clock, fixed so that signature ages are exact. */
const NOW = Date.parse('2026-01-15T12:00:00Z');

let server: Server;
let url: string;
let verifier: WebhookVerifier;

// A real HTTP server, so bodies arrive as a client sends them: in chunks, with or without content-length.
beforeAll(async () => {
  verifier = new WebhookVerifier({ secret: SECRET, maxBytes: MAX_BYTES, maxAgeMs: MAX_AGE_MS, now: () => NOW });
  server = createServer((req, res) => {
    verifier.verify(req).then(
      (result) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(result)),
      (error: unknown) => res.writeHead(500).end(String(error)),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/sanity`;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

type Result = WebhookDelivery | WebhookRefusal;

let keys = 0;
// Each delivery is signed at its own instant, as real ones are: the same body signed at the same instant is a replay.
let instants = 0;
/** Posts `body` (signed with `secret` at `timestamp` unless a signature is given) and returns the verifier's result. */
async function deliver(
  body: string,
  options: {
    timestamp?: number;
    secret?: string;
    signature?: string | null;
    key?: string | null;
    contentType?: string;
    method?: string;
  } = {},
): Promise<Result> {
  const headers: Record<string, string> = { 'content-type': options.contentType ?? 'application/json' };
  const signature =
    options.signature === undefined
      ? await encodeSignatureHeader(body, options.timestamp ?? NOW - (instants += 1), options.secret ?? SECRET)
      : options.signature;
  if (signature !== null) headers['sanity-webhook-signature'] = signature;
  if (options.key !== null) headers['idempotency-key'] = options.key ?? `key-${(keys += 1)}`;
  const method = options.method ?? 'POST';
  const response = await fetch(url, { method, headers, ...(method === 'GET' ? {} : { body }) });
  return (await response.json()) as Result;
}

/**
 * Sends a body in chunks with `transfer-encoding: chunked` (no content-length) unless headers say otherwise, as a
 * streaming client would; with `hold`, the request is left unfinished, so only an early answer can arrive.
 */
function deliverChunked(chunks: Buffer[], headers: Record<string, string>, hold = false): Promise<Result> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        text += chunk;
      });
      res.on('end', () => {
        resolve(JSON.parse(text) as Result);
        if (hold) req.destroy();
      });
    });
    req.on('error', (error) => {
      if (!hold) reject(error);
    });
    for (const chunk of chunks) req.write(chunk);
    if (!hold) req.end();
  });
}

const BODY = JSON.stringify({ _id: 'story-fed-cuts-rates', _type: 'story', slug: 'fed-cuts-rates' });

describe('signature', () => {
  test('a valid signature is accepted, and the body parsed', async () => {
    expect(await deliver(BODY, { key: 'valid-1' })).toEqual({
      key: 'valid-1',
      duplicate: false,
      body: { _id: 'story-fed-cuts-rates', _type: 'story', slug: 'fed-cuts-rates' },
    });
  });

  test.each<[string, Parameters<typeof deliver>[1], string]>([
    ['missing', { signature: null }, 'missing sanity-webhook-signature header'],
    ['empty', { signature: '' }, 'missing sanity-webhook-signature header'],
    ['malformed', { signature: 'sha256=abc' }, 'malformed sanity-webhook-signature header'],
    ['made with another secret', { secret: 'someone-elses-secret' }, 'invalid signature'],
  ])('a %s signature is refused with 401', async (_, options, error) => {
    expect(await deliver(BODY, options)).toEqual({ status: 401, error });
  });

  test('a signature of another body is refused with 401', async () => {
    const signature = await encodeSignatureHeader(BODY, NOW, SECRET);
    expect(await deliver(BODY.replace('fed-cuts-rates', 'fed-hikes-rates'), { signature })).toEqual({
      status: 401,
      error: 'invalid signature',
    });
  });

  test('the signature is checked on the raw bytes: spacing and escapes that re-encoding would change still verify', async () => {
    const raw = '{ "_id" : "story-caf\\u00e9",\n  "title": "Café – naïve"  }';
    expect(await deliver(raw)).toMatchObject({ duplicate: false, body: { _id: 'story-café', title: 'Café – naïve' } });
  });

  test('a multi-byte character split between two chunks still verifies', async () => {
    const raw = JSON.stringify({ _id: 'story-zürich', title: 'Zürich €' });
    const bytes = Buffer.from(raw, 'utf8');
    const split = bytes.indexOf(Buffer.from('€')) + 1;
    const result = await deliverChunked([bytes.subarray(0, split), bytes.subarray(split)], {
      'sanity-webhook-signature': await encodeSignatureHeader(raw, NOW, SECRET),
      'idempotency-key': 'chunked-utf8',
    });
    expect(result).toMatchObject({ duplicate: false, body: { title: 'Zürich €' } });
  });

  test.each([
    ['4 minutes old', NOW - 4 * 60_000, true],
    ['exactly the limit old', NOW - MAX_AGE_MS, true],
    ['6 minutes old (a replay)', NOW - 6 * 60_000, false],
    ['a day old', NOW - 86_400_000, false],
    ['4 minutes in the future (clock skew)', NOW + 4 * 60_000, true],
    ['6 minutes in the future', NOW + 6 * 60_000, false],
  ])('a signature %s: accepted %s', async (_, timestamp, accepted) => {
    const result = await deliver(BODY, { timestamp });
    if (accepted) expect(result).toMatchObject({ duplicate: false });
    else
      expect(result).toEqual({
        status: 401,
        error: timestamp < NOW ? 'signature older than 300 s (replayed?)' : 'signature timestamp in the future',
      });
  });
});

describe('size, type and method', () => {
  test('a declared content-length over the limit is refused with 413', async () => {
    const big = JSON.stringify({ _id: 'story-big', padding: 'x'.repeat(MAX_BYTES) });
    expect(await deliver(big)).toEqual({ status: 413, error: `body over ${MAX_BYTES} bytes` });
  });

  test('a declared content-length over the limit is refused before the body arrives', async () => {
    const start = Buffer.from('{"_id":"story-huge","padding":"');
    const headers = {
      'content-length': String(100 * 1_048_576),
      'sanity-webhook-signature': await encodeSignatureHeader('{}', NOW, SECRET),
    };
    expect(await deliverChunked([start], headers, true)).toEqual({
      status: 413,
      error: `body over ${MAX_BYTES} bytes`,
    });
  });

  test('a chunked body without content-length is refused with 413 once it passes the limit', async () => {
    const chunk = Buffer.alloc(1000, 'x');
    const chunks = [Buffer.from('{"padding":"'), ...Array.from({ length: 20 }, () => chunk), Buffer.from('"}')];
    const raw = Buffer.concat(chunks).toString('utf8');
    expect(
      await deliverChunked(chunks, { 'sanity-webhook-signature': await encodeSignatureHeader(raw, NOW, SECRET) }),
    ).toEqual({ status: 413, error: `body over ${MAX_BYTES} bytes` });
  });

  test('a chunked body is refused as soon as it passes the limit, without waiting for its end', async () => {
    const chunks = [Buffer.from('{"padding":"'), ...Array.from({ length: 5 }, () => Buffer.alloc(1000, 'x'))];
    expect(
      await deliverChunked(
        chunks,
        { 'sanity-webhook-signature': await encodeSignatureHeader('{}', NOW, SECRET) },
        true,
      ),
    ).toEqual({ status: 413, error: `body over ${MAX_BYTES} bytes` });
  });

  test('a body of exactly the limit is read', async () => {
    const prefix = '{"padding":"';
    const raw = `${prefix}${'x'.repeat(MAX_BYTES - prefix.length - 2)}"}`;
    expect(Buffer.byteLength(raw)).toBe(MAX_BYTES);
    expect(await deliver(raw)).toMatchObject({ duplicate: false });
  });

  test.each([
    ['', 'expected content-type application/json, received ""'],
    ['text/plain', 'expected content-type application/json, received "text/plain"'],
    [
      'application/x-www-form-urlencoded',
      'expected content-type application/json, received "application/x-www-form-urlencoded"',
    ],
  ])('content-type %s is refused with 415', async (contentType, error) => {
    expect(await deliver(BODY, { contentType })).toEqual({ status: 415, error });
  });

  test('content-type with a charset parameter is accepted', async () => {
    expect(await deliver(BODY, { contentType: 'application/json; charset=utf-8' })).toMatchObject({ duplicate: false });
  });

  test('GET is refused with 405', async () => {
    expect(await deliver(BODY, { method: 'GET' })).toEqual({ status: 405, error: 'use POST' });
  });
});

describe('body and idempotency', () => {
  test('a validly signed body that is not JSON is refused with 400', async () => {
    expect(await deliver('{"_id": "story-x",')).toEqual({ status: 400, error: 'body is not valid JSON' });
  });

  test('a repeated idempotency key is a duplicate, not an error, even with a fresh signature', async () => {
    expect(await deliver(BODY, { key: 'delivery-42' })).toMatchObject({ key: 'delivery-42', duplicate: false });
    expect(await deliver(BODY, { key: 'delivery-42', timestamp: NOW - 1000 })).toMatchObject({
      key: 'delivery-42',
      duplicate: true,
    });
    expect(await deliver(BODY, { key: 'delivery-43' })).toMatchObject({ key: 'delivery-43', duplicate: false });
  });

  test('without an idempotency key, the same signed request twice is a duplicate', async () => {
    const signature = await encodeSignatureHeader(BODY, NOW - 2000, SECRET);
    expect(await deliver(BODY, { key: null, signature })).toMatchObject({ key: signature, duplicate: false });
    expect(await deliver(BODY, { key: null, signature })).toMatchObject({ key: signature, duplicate: true });
  });

  test('a captured delivery replayed with a new idempotency key is a duplicate: what is signed was seen', async () => {
    const signature = await encodeSignatureHeader(BODY, NOW - 3000, SECRET);
    expect(await deliver(BODY, { key: 'captured-1', signature })).toMatchObject({
      key: 'captured-1',
      duplicate: false,
    });
    expect(await deliver(BODY, { key: 'forged-new-key', signature })).toMatchObject({
      key: 'forged-new-key',
      duplicate: true,
    });
    expect(await deliver(BODY, { key: null, signature })).toMatchObject({ duplicate: true });
  });

  test('a refused request does not use up its idempotency key', async () => {
    expect(await deliver(BODY, { key: 'retry-7', secret: 'wrong-secret-wrong' })).toMatchObject({ status: 401 });
    expect(await deliver(BODY, { key: 'retry-7' })).toMatchObject({ key: 'retry-7', duplicate: false });
  });
});
