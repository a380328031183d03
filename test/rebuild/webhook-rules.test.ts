/** WebhookVerifier's time rules with a clock the test moves: the signature age limits and forgetting old keys. */
import { encodeSignatureHeader } from '@sanity/webhook';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { WebhookVerifier, type WebhookDelivery, type WebhookRefusal } from '../../rebuild/webhook.ts';

const SECRET = 'unit-test-webhook-secret';
const MAX_BYTES = 1024;
const MAX_AGE_MS = 60_000;
let clock = Date.parse('2026-01-15T12:00:00Z');

let server: Server;
let url: string;

type Result = (WebhookDelivery | WebhookRefusal) & { dataListeners: number };

// A real HTTP server; each answer also says how many 'data' listeners the verifier left on the request.
beforeAll(async () => {
  const verifier = new WebhookVerifier({ secret: SECRET, maxBytes: MAX_BYTES, maxAgeMs: MAX_AGE_MS, now: () => clock });
  server = createServer((req, res) => {
    verifier.verify(req).then(
      (result) =>
        res
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify({ ...result, dataListeners: req.listenerCount('data') })),
      (error: unknown) => res.writeHead(500).end(String(error)),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/sanity`;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

let bodies = 0;
/** Posts a fresh body signed at `timestamp` (the clock by default) with the given idempotency key. */
async function deliver(key: string, timestamp = clock): Promise<Result> {
  const body = JSON.stringify({ _id: `story-${(bodies += 1)}` });
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'idempotency-key': key,
      'sanity-webhook-signature': await encodeSignatureHeader(body, timestamp, SECRET),
    },
    body,
  });
  return (await response.json()) as Result;
}

describe('signature age', () => {
  test.each([
    ['exactly the maximum age', -MAX_AGE_MS, true],
    ['a millisecond older', -MAX_AGE_MS - 1, false],
    ['exactly the maximum age in the future', MAX_AGE_MS, true],
    ['a millisecond further in the future', MAX_AGE_MS + 1, false],
  ])('a signature %s', async (_name, offset, accepted) => {
    const result = await deliver(`age-${offset}`, clock + offset);
    expect('status' in result).toBe(!accepted);
    if (!accepted) expect(result).toMatchObject({ status: 401 });
  });
});

describe('remembered keys', () => {
  test('a key is remembered for twice the replay window, then forgotten', async () => {
    expect(await deliver('k-old')).toMatchObject({ duplicate: false });
    clock += MAX_AGE_MS;
    // Within the window: still a duplicate, with a fresh signature.
    expect(await deliver('k-old')).toMatchObject({ duplicate: true });
    clock += MAX_AGE_MS * 2;
    // Seen last exactly twice the window ago: kept (the other delivery prunes only what is older).
    expect(await deliver('k-other')).toMatchObject({ duplicate: false });
    expect(await deliver('k-old')).toMatchObject({ duplicate: true });
    clock += MAX_AGE_MS * 2 + 1;
    // Now older than twice the window: another delivery forgets it, so it counts as new again.
    expect(await deliver('k-other-2')).toMatchObject({ duplicate: false });
    expect(await deliver('k-old')).toMatchObject({ duplicate: false });
  });

  test('forgetting stops at the first key still inside the window', async () => {
    expect(await deliver('w-1')).toMatchObject({ duplicate: false });
    clock += MAX_AGE_MS * 2;
    expect(await deliver('w-2')).toMatchObject({ duplicate: false });
    clock += 1;
    // w-1 is now just past the window and w-2 inside it: only w-1 goes.
    expect(await deliver('w-3')).toMatchObject({ duplicate: false });
    expect(await deliver('w-2')).toMatchObject({ duplicate: true });
    expect(await deliver('w-1')).toMatchObject({ duplicate: false });
  });
});

test('a key seen again moves behind the keys seen since, so that those are still forgotten in time', async () => {
  expect(await deliver('m-a')).toMatchObject({ duplicate: false });
  clock += 1;
  expect(await deliver('m-b')).toMatchObject({ duplicate: false });
  clock += MAX_AGE_MS * 2 - 1;
  expect(await deliver('m-a')).toMatchObject({ duplicate: true });
  clock += 2;
  // m-b was last seen just over twice the window ago, m-a only 2 ms ago: m-b is forgotten, m-a is not.
  expect(await deliver('m-c')).toMatchObject({ duplicate: false });
  expect(await deliver('m-b')).toMatchObject({ duplicate: false });
  expect(await deliver('m-a')).toMatchObject({ duplicate: true });
});

test('a body over the limit leaves no data listener on the request', async () => {
  const result = await new Promise<Result>((resolve, reject) => {
    const req = request(url, { method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => {
        resolve(JSON.parse(text) as Result);
        req.destroy();
      });
    });
    req.on('error', reject);
    req.write(Buffer.alloc(MAX_BYTES + 1, 'x'));
  });
  expect(result).toEqual({ status: 413, error: `body over ${MAX_BYTES} bytes`, dataListeners: 0 });
});
