import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import WebSocket from 'ws';
import { startTestLake, TOKENS, type TestLake } from './lake-harness.ts';

// The Studio's presence socket (`/v<apiVersion>/socket/:dataset`, JSON-RPC 2.0 as @sanity/bifur-client speaks it),
// through real sockets against a running lake: who sees whom, and the bounds on each socket.

const STUDIO = 'http://localhost:3334';
let t: TestLake;
beforeEach(async () => {
  t = await startTestLake({
    corsOrigins: [STUDIO],
    presenceLimits: { maxMessageBytes: 4096, maxSocketsPerUser: 2, authorizeMs: 300, pingMs: 100 },
  });
});
afterEach(async () => {
  await t.close();
});

type Message = { id?: string; result?: unknown; error?: unknown; method?: string; params?: { result?: unknown } };

/** A presence socket with the messages it received and, once closed, its close code. */
interface Client {
  ws: WebSocket;
  messages: Message[];
  closed: Promise<number>;
  call(method: string, params?: Record<string, unknown>): Promise<Message>;
  events(): unknown[];
}

async function connect(path = '/v2022-06-30/socket/production', origin: string | undefined = STUDIO): Promise<Client> {
  const ws = new WebSocket(`${t.lake.url.replace(/^http/, 'ws')}${path}`, origin === undefined ? {} : { origin });
  const messages: Message[] = [];
  const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)));
  ws.on('message', (data: Buffer) => messages.push(JSON.parse(data.toString('utf8')) as Message));
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  let next = 0;
  return {
    ws,
    messages,
    closed,
    async call(method, params = {}) {
      next += 1;
      const id = `request-${next}`;
      ws.send(JSON.stringify({ jsonrpc: '2.0', method, params: { ...params, apiVersion: 'v1' }, id }));
      await expect.poll(() => messages.some((message) => message.id === id)).toBe(true);
      return messages.find((message) => message.id === id) as Message;
    },
    events: () =>
      messages.filter((message) => message.method === 'presence_subscription').map((message) => message.params?.result),
  };
}

async function signedIn(token: string): Promise<Client> {
  const client = await connect();
  expect((await client.call('authorization', { authorization: `Bearer ${token}` })).result).toBe(true);
  expect(typeof (await client.call('presence_subscribe')).result).toBe('string');
  return client;
}

/** The status line of a refused upgrade. */
async function refusedWith(path: string, origin?: string): Promise<number> {
  const ws = new WebSocket(`${t.lake.url.replace(/^http/, 'ws')}${path}`, origin === undefined ? {} : { origin });
  return new Promise((resolve) => {
    ws.on('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      ws.terminate();
    });
    ws.on('error', () => resolve(-1));
  });
}

describe('presence', () => {
  test('two editors on one story see each other: announce, roll call and disconnect reach the other socket', async () => {
    const editor = await signedIn(TOKENS.editor);
    const viewer = await signedIn(TOKENS.viewer);
    const locations = [
      { type: 'document', documentId: 'story-a', path: ['title'], lastActiveAt: '2026-11-27T23:00:00Z' },
    ];
    expect((await editor.call('presence_announce', { data: { sessionId: 'tab-1', locations } })).result).toBe(true);
    await expect
      .poll(() => viewer.events())
      .toEqual([{ type: 'state', i: 'lake-test-editor', m: { sessionId: 'tab-1', locations } }]);
    // The sender does not hear itself.
    expect(editor.events()).toEqual([]);
    await viewer.call('presence_rollcall', { session: 'tab-2' });
    await expect.poll(() => editor.events()).toEqual([{ type: 'rollCall', i: 'lake-test-viewer', session: 'tab-2' }]);
    editor.ws.close();
    await expect
      .poll(() => viewer.events().at(-1))
      .toEqual({ type: 'disconnect', i: 'lake-test-editor', m: { session: 'tab-1' } });
    viewer.ws.close();
  });

  test('nothing is passed on before authorization; an unknown token closes the socket with 4001', async () => {
    const anonymous = await connect();
    anonymous.ws.send(JSON.stringify({ jsonrpc: '2.0', method: 'presence_subscribe', params: {}, id: 'x' }));
    expect(await anonymous.closed).toBe(4001);
    const forged = await connect();
    forged.ws.send(
      JSON.stringify({ jsonrpc: '2.0', method: 'authorization', params: { authorization: 'Bearer nope' }, id: 'y' }),
    );
    expect(await forged.closed).toBe(4001);
    // A socket that never authorizes is closed after authorizeMs.
    const silent = await connect();
    expect(await silent.closed).toBe(4001);
  });

  test('upgrades are refused from other origins, for unknown datasets and paths', async () => {
    expect(await refusedWith('/v2022-06-30/socket/production', 'https://evil.example')).toBe(403);
    expect(await refusedWith('/v2022-06-30/socket/nosuchdataset')).toBe(404);
    expect(await refusedWith('/v2022-06-30/elsewhere')).toBe(404);
  });

  test('bounds: message size, sockets per user, sessions per socket', async () => {
    const big = await signedIn(TOKENS.editor);
    big.ws.send('x'.repeat(5000));
    expect(await big.closed).toBe(1009);

    const first = await signedIn(TOKENS.editor);
    await signedIn(TOKENS.editor);
    const third = await connect();
    third.ws.send(
      JSON.stringify({
        jsonrpc: '2.0',
        method: 'authorization',
        params: { authorization: `Bearer ${TOKENS.editor}` },
        id: 'z',
      }),
    );
    expect(await third.closed).toBe(4029);

    for (const session of ['a', 'b', 'c', 'd']) {
      expect((await first.call('presence_announce', { data: { sessionId: session, locations: [] } })).result).toBe(
        true,
      );
    }
    expect((await first.call('presence_announce', { data: { sessionId: 'e', locations: [] } })).error).toMatchObject({
      code: -32600,
    });
  });

  test('a socket that stops answering pings is closed, and the others hear that its session ended', async () => {
    await t.close();
    t = await startTestLake({ corsOrigins: [STUDIO], presenceLimits: { pingMs: 50, idleMs: 400 } });
    const frozen = await signedIn(TOKENS.editor);
    const other = await signedIn(TOKENS.viewer);
    await frozen.call('presence_announce', { data: { sessionId: 'frozen-tab', locations: [] } });
    // The client stops reading (a frozen tab, a dead network path): it no longer answers the lake's pings.
    (frozen.ws as unknown as { _socket: { pause(): void } })._socket.pause();
    await expect
      .poll(() => other.events().at(-1), { timeout: 5_000 })
      .toEqual({ type: 'disconnect', i: 'lake-test-editor', m: { session: 'frozen-tab' } });
    frozen.ws.terminate();
    // The live one, answering pings all along, is still open.
    expect(other.ws.readyState).toBe(WebSocket.OPEN);
    other.ws.close();
  });
});
