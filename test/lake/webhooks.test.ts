import { isValidSignature } from '@sanity/webhook';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, test } from 'vitest';
import { startLake } from '../../lake/server.ts';
import type { WebhookConfig } from '../../lake/webhooks.ts';
import { startTestLake, type TestLake } from './lake-harness.ts';

interface Received {
  headers: IncomingHttpHeaders;
  body: string;
}

/** A webhook receiver on a free port that records requests and answers with `status(attempt)`. */
async function startReceiver(
  status: (attempt: number) => number | Promise<number> = () => 200,
): Promise<{ url: string; received: Received[]; server: Server; next(count: number): Promise<Received[]> }> {
  const received: Received[] = [];
  const waiters: { count: number; resolve: (value: Received[]) => void }[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      body += chunk;
    });
    req.on('end', () => void answer());
    const answer = async (): Promise<void> => {
      received.push({ headers: req.headers, body });
      const attempt = received.length;
      for (const waiter of [...waiters]) {
        if (received.length >= waiter.count) {
          waiters.splice(waiters.indexOf(waiter), 1);
          waiter.resolve(received.slice(0, waiter.count));
        }
      }
      res.writeHead(await status(attempt)).end();
    };
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    received,
    server,
    next: (count) =>
      received.length >= count
        ? Promise.resolve(received.slice(0, count))
        : new Promise((resolve) => waiters.push({ count, resolve })),
  };
}

type Receiver = Awaited<ReturnType<typeof startReceiver>>;
const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A receiver and a lake with one webhook pointing at it (short retry delays). */
async function setUp(
  webhook: Omit<WebhookConfig, 'url'>,
  status?: (attempt: number) => number | Promise<number>,
): Promise<{ t: TestLake; receiver: Receiver }> {
  const receiver = await startReceiver(status);
  cleanups.push(() => new Promise((resolve) => receiver.server.close(resolve)));
  const t = await startTestLake({ webhooks: [{ url: receiver.url, ...webhook }], webhookRetryDelaysMs: [20, 40, 80] });
  cleanups.push(() => t.close());
  return { t, receiver };
}

describe('webhooks', () => {
  test("a matching change is POSTed with the projection, Sanity's headers and a signature @sanity/webhook accepts", async () => {
    const { t, receiver } = await setUp({
      name: 'rebuild',
      filter: '_type == "story"',
      projection: '{_id, _type, "slug": slug.current}',
      secret: 'shh-secret',
    });
    const client = t.client();
    const { transactionId } = await client
      .transaction()
      .create({ _id: 'story-1', _type: 'story', slug: { current: 'hello' } })
      .create({ _id: 'page-1', _type: 'page' })
      .commit();
    const [delivery] = await receiver.next(1);
    if (delivery === undefined) throw new Error('no delivery');
    expect(JSON.parse(delivery.body)).toEqual({ _id: 'story-1', _type: 'story', slug: 'hello' });
    expect(delivery.headers).toMatchObject({
      'content-type': 'application/json',
      'sanity-transaction-id': transactionId,
      'sanity-document-id': 'story-1',
      'sanity-operation': 'create',
      'sanity-dataset': 'production',
      'sanity-project-id': 'local',
      'idempotency-key': expect.any(String),
      'sanity-transaction-time': expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/),
    });
    const signature = String(delivery.headers['sanity-webhook-signature']);
    expect(signature).toMatch(/^t=\d+,v1=[\w-]+$/);
    expect(await isValidSignature(delivery.body, signature, 'shh-secret')).toBe(true);
    expect(await isValidSignature(delivery.body, signature, 'wrong-secret')).toBe(false);
    await t.lake.webhooksIdle();
    expect(receiver.received).toHaveLength(1);
  });

  test('updates and deletes are delivered; a delete is filtered and projected on the document before it', async () => {
    const { t, receiver } = await setUp({
      filter: '_type == "story"',
      projection: '{_id, title, "op": delta::operation()}',
    });
    const client = t.client();
    await client.create({ _id: 's', _type: 'story', title: 'One' });
    await client.patch('s').set({ title: 'Two' }).commit();
    await client.delete('s');
    const deliveries = await receiver.next(3);
    expect(deliveries.map((d) => [d.headers['sanity-operation'], JSON.parse(d.body) as unknown])).toEqual([
      ['create', { _id: 's', title: 'One', op: 'create' }],
      ['update', { _id: 's', title: 'Two', op: 'update' }],
      ['delete', { _id: 's', title: 'Two', op: 'delete' }],
    ]);
  });

  test('without a projection the whole document is sent; "on" limits the triggers; drafts need includeDrafts', async () => {
    const { t, receiver } = await setUp({ on: ['update'] });
    const client = t.client();
    await client.create({ _id: 'a', _type: 'story' });
    await client.create({ _id: 'drafts.a', _type: 'story' });
    await client.patch('drafts.a').set({ x: 1 }).commit();
    await client.patch('a').set({ x: 2 }).commit();
    const [delivery] = await receiver.next(1);
    if (delivery === undefined) throw new Error('no delivery');
    expect(JSON.parse(delivery.body)).toMatchObject({ _id: 'a', _type: 'story', x: 2, _rev: expect.any(String) });
    await t.lake.webhooksIdle();
    expect(receiver.received).toHaveLength(1);
  });

  test('includeDrafts delivers draft changes too', async () => {
    const { t, receiver } = await setUp({ includeDrafts: true, projection: '{_id}' });
    await t.client().create({ _id: 'drafts.a', _type: 'story' });
    const [delivery] = await receiver.next(1);
    if (delivery === undefined) throw new Error('no delivery');
    expect(JSON.parse(delivery.body)).toEqual({ _id: 'drafts.a' });
  });

  test('a failing receiver is retried with the same idempotency key until it answers 2xx', async () => {
    const { t, receiver } = await setUp({ secret: 'retry-secret' }, (attempt) => (attempt <= 2 ? 500 : 204));
    await t.client().create({ _id: 'a', _type: 'story' });
    const attempts = await receiver.next(3);
    expect(new Set(attempts.map((a) => a.headers['idempotency-key'])).size).toBe(1);
    for (const attempt of attempts)
      expect(
        await isValidSignature(attempt.body, String(attempt.headers['sanity-webhook-signature']), 'retry-secret'),
      ).toBe(true);
    await t.lake.webhooksIdle();
    expect(receiver.received).toHaveLength(3);
  });

  test('a receiver that always fails is given up after the configured retries', async () => {
    const { t, receiver } = await setUp({}, () => 503);
    await t.client().create({ _id: 'a', _type: 'story' });
    await receiver.next(4);
    await t.lake.webhooksIdle();
    expect(receiver.received).toHaveLength(4);
  });

  test('deliveries never block the mutation response', async () => {
    let release: (status: number) => void = () => undefined;
    const { t, receiver } = await setUp({}, () => new Promise<number>((resolve) => (release = resolve)));
    const created = await t.client().create({ _id: 'a', _type: 'story' });
    expect(created._id).toBe('a');
    await receiver.next(1);
    release(200);
    await t.lake.webhooksIdle();
  });

  test('an invalid webhook is refused at start, naming it and the field', async () => {
    await expect(
      startLake({ dataFile: '/tmp/unused.ndjson', webhooks: [{ name: 'bad', url: 'not a url', filter: '_type ==' }] }),
    ).rejects.toThrow(
      /webhooks\[0\] \("bad"\)\.url: expected an absolute http\(s\) URL[\s\S]*webhooks\[0\] \("bad"\)\.filter: invalid GROQ/,
    );
  });
});
