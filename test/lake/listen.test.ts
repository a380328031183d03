import type { ListenEvent, SanityClient } from '@sanity/client';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { startTestLake, TOKENS, type TestLake } from './lake-harness.ts';

let t: TestLake;
beforeEach(async () => {
  t = await startTestLake({ listenHeartbeatMs: 50 });
});
afterEach(async () => {
  await t.close();
});

type Options = Parameters<SanityClient['listen']>[2];

/** Subscribes with `client.listen`, waits for the welcome event, and collects everything after it. */
async function listen(client: SanityClient, query: string, options: Options = {}) {
  const events: ListenEvent<Record<string, unknown>>[] = [];
  let failure: unknown;
  const waiters: (() => void)[] = [];
  const wake = (): void => {
    for (const waiter of waiters.splice(0)) waiter();
  };
  const subscription = client.listen(query, {}, { ...options, events: ['welcome', 'mutation'] }).subscribe({
    next: (event) => {
      events.push(event as ListenEvent<Record<string, unknown>>);
      wake();
    },
    error: (error: unknown) => {
      failure = error;
      wake();
    },
  });
  const until = async (check: () => boolean): Promise<void> => {
    while (!check()) {
      if (failure !== undefined) throw failure instanceof Error ? failure : new Error(String(failure));
      await new Promise<void>((resolve) => waiters.push(resolve));
    }
  };
  const stream = {
    events,
    /** Mutation events received so far. */
    mutations: () => events.filter((event) => event.type === 'mutation'),
    next: (count: number) =>
      until(() => stream.mutations().length >= count).then(() => stream.mutations().slice(0, count)),
    failed: () =>
      until(() => failure !== undefined)
        .catch(() => undefined)
        .then(() => failure),
    close: () => subscription.unsubscribe(),
  };
  await until(() => events.some((event) => event.type === 'welcome') || failure !== undefined);
  return stream;
}

describe('listen', () => {
  test('welcome, then appear / update / disappear as documents enter and leave the query', async () => {
    const client = t.client();
    const stream = await listen(client, '*[_type == "story" && published == true]');
    expect(stream.events[0]).toMatchObject({ type: 'welcome', listenerName: expect.any(String) });
    const created = await client.create({ _id: 's', _type: 'story', published: true });
    await client.patch('s').set({ title: 'Edited' }).commit();
    await client.patch('s').set({ published: false }).commit();
    await client.patch('s').set({ published: true }).commit();
    await client.delete('s');
    await client.create({ _id: 'other', _type: 'page', published: true });
    const events = await stream.next(5);
    expect(events.map((event) => (event.type === 'mutation' ? event.transition : null))).toEqual([
      'appear',
      'update',
      'disappear',
      'appear',
      'disappear',
    ]);
    expect(events[0]).toMatchObject({
      type: 'mutation',
      documentId: 's',
      transactionId: created._rev,
      eventId: `${created._rev}#s`,
      resultRev: created._rev,
      result: { _id: 's', published: true },
      identity: 'lake-test-editor',
      visibility: 'query',
      transactionTotalEvents: 1,
      transactionCurrentEvent: 0,
      timestamp: expect.any(String),
      mutations: [{ create: expect.objectContaining({ _id: 's' }) }],
    });
    expect(events[1]).toMatchObject({
      previousRev: created._rev,
      mutations: [{ patch: { id: 's', set: { title: 'Edited' } } }],
    });
    expect(events[4]).not.toHaveProperty('result');
    stream.close();
  });

  test('includeResult: false and includePreviousRevision', async () => {
    const client = t.client();
    await client.create({ _id: 's', _type: 'story', n: 1 });
    const stream = await listen(client, '*[_type == "story"]', {
      includeResult: false,
      includePreviousRevision: true,
      includeMutations: false,
    });
    await client.patch('s').inc({ n: 1 }).commit();
    const [event] = await stream.next(1);
    expect(event).not.toHaveProperty('result');
    expect(event).not.toHaveProperty('mutations');
    expect(event).toMatchObject({ previous: { _id: 's', n: 1 } });
    stream.close();
  });

  test('one event per matching document of a transaction, numbered', async () => {
    const client = t.client();
    const stream = await listen(client, '*[_type == "story"]');
    await client
      .transaction()
      .create({ _id: 'a', _type: 'story' })
      .create({ _id: 'x', _type: 'page' })
      .create({ _id: 'b', _type: 'story' })
      .commit();
    const events = await stream.next(2);
    expect(
      events.map((event) =>
        event.type === 'mutation'
          ? [event.documentId, event.transactionCurrentEvent, event.transactionTotalEvents]
          : null,
      ),
    ).toEqual([
      ['a', 0, 2],
      ['b', 1, 2],
    ]);
    stream.close();
  });

  test('drafts are left out by default (API v2025-02-19) and included with includeAllVersions', async () => {
    const client = t.client();
    const published = await listen(client, '*[_type == "story"]');
    const all = await listen(client, '*[_type == "story"]', { includeAllVersions: true });
    await client.create({ _id: 'drafts.a', _type: 'story' });
    await client.create({ _id: 'a', _type: 'story' });
    expect((await all.next(2)).map((event) => (event.type === 'mutation' ? event.documentId : null))).toEqual([
      'drafts.a',
      'a',
    ]);
    expect((await published.next(1)).map((event) => (event.type === 'mutation' ? event.documentId : null))).toEqual([
      'a',
    ]);
    expect(published.mutations()).toHaveLength(1);
    published.close();
    all.close();
  });

  test('anonymous listeners never hear about drafts', async () => {
    const stream = await listen(t.client(null), '*[_type == "story"]', { includeAllVersions: true });
    await t.client().create({ _id: 'drafts.a', _type: 'story' });
    await t.client().create({ _id: 'a', _type: 'story' });
    const [event] = await stream.next(1);
    expect(event).toMatchObject({ documentId: 'a' });
    expect(stream.mutations()).toHaveLength(1);
    stream.close();
  });

  test('a malformed query errors the stream with a ChannelError carrying the parse error', async () => {
    const client = t.client();
    const stream = await listen(client, '*[_type == ');
    const error = (await stream.failed()) as Error;
    expect(error.name).toBe('ChannelError');
    expect(error.message).toContain('GROQ query parse error');
  });

  test('an unknown token is refused with 401 (ConnectionFailedError)', async () => {
    const stream = await listen(t.client('not-a-token'), '*');
    const error = (await stream.failed()) as Error & { status?: number };
    expect(error.name).toBe('ConnectionFailedError');
    expect(error.status).toBe(401);
  });

  test('heartbeat comments keep an idle stream open', async () => {
    const response = await fetch(`${t.lake.url}/v2025-02-19/data/listen/production?query=*`, {
      headers: { authorization: `Bearer ${TOKENS.viewer}` },
    });
    expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    const reader = response.body?.getReader();
    if (reader === undefined) throw new Error('no body');
    let text = '';
    while (!text.includes(': heartbeat')) text += new TextDecoder().decode((await reader.read()).value);
    expect(text).toMatch(/^event: welcome\ndata: \{"listenerName":"lake-\w+"\}\n\n/);
    await reader.cancel();
  });
});
