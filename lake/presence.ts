import { randomBytes } from 'node:crypto';
import { STATUS_CODES, type IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { callerFrom, readsPrivate, type Caller } from './auth.ts';
import type { LakeContext } from './context.ts';
import { apiError, LakeError, messageOf } from './errors.ts';
import { headerValue } from './http.ts';
import { isLoopbackHostHeader } from './origins.ts';

// Presence: which editors have which documents open. The Studio keeps a WebSocket open to
// `/v<apiVersion>/socket/:dataset` (Sanity's "bifur" socket) and speaks JSON-RPC 2.0 over it: `authorization` with
// its token first, then `presence_subscribe`, and `presence_announce` / `presence_rollcall` / `presence_disconnect`,
// which the lake passes on to the dataset's other sockets as `presence_subscription` events. Nothing is stored: a
// socket's sessions end when it closes. Every socket is bounded: message size, sockets per user and in all, sessions
// and subscriptions per socket, time to authorize, and silence (the lake pings; a browser answers by itself).

/** Bounds on presence sockets. */
export interface PresenceLimits {
  /** Largest message a client may send, in bytes (a larger one closes the socket with 1009). */
  maxMessageBytes: number;
  /** Open sockets per user (one per Studio tab). */
  maxSocketsPerUser: number;
  /** Open sockets in all, authorized or not. */
  maxSockets: number;
  /** Sessions one socket may announce, and subscriptions it may hold. */
  maxSessionsPerSocket: number;
  /** A socket must send its token within this. */
  authorizeMs: number;
  /** A socket from which nothing (not even a pong) has come for this long is closed. */
  idleMs: number;
  /** Interval of the lake's pings, which browsers answer without the page's help. */
  pingMs: number;
}

export const DEFAULT_PRESENCE_LIMITS: Readonly<PresenceLimits> = {
  maxMessageBytes: 64 * 1024,
  maxSocketsPerUser: 16,
  maxSockets: 256,
  maxSessionsPerSocket: 4,
  authorizeMs: 10_000,
  idleMs: 60_000,
  pingMs: 15_000,
};

/** A socket's messages waiting to be sent beyond this mean a client that does not read: it is closed. */
const MAX_BUFFERED_BYTES = 1024 * 1024;

/** Close codes the Studio's socket client knows (`@sanity/bifur-client` ERROR_CODES), and the lake's own. */
const CLOSE = { badRequest: 4000, unauthorized: 4001, notFound: 4004, tooMany: 4029, tooLarge: 1009 } as const;

/** The socket path: `/v<apiVersion>/socket/:dataset`. */
const SOCKET_PATH = /^\/v(?:1|X|\d{4}-\d{2}-\d{2})\/socket\/([^/]+)\/?$/;

interface Peer {
  ws: WebSocket;
  dataset: string;
  caller: Caller | undefined;
  subscriptions: Set<string>;
  sessions: Set<string>;
  opened: number;
  lastSeen: number;
}

type Rpc = { id?: unknown; method?: unknown; params?: unknown };

/** The presence sockets of a running lake. */
export class PresenceHub {
  private readonly ctx: LakeContext;
  private readonly limits: PresenceLimits;
  private readonly server: WebSocketServer;
  private readonly peers = new Set<Peer>();
  private readonly timer: NodeJS.Timeout;

  constructor(ctx: LakeContext, limits: Partial<PresenceLimits> = {}) {
    this.ctx = ctx;
    this.limits = { ...DEFAULT_PRESENCE_LIMITS, ...limits };
    this.server = new WebSocketServer({ noServer: true, maxPayload: this.limits.maxMessageBytes });
    this.timer = setInterval(() => this.sweep(), Math.min(this.limits.pingMs, this.limits.authorizeMs));
    this.timer.unref();
  }

  /**
   * An HTTP `upgrade` request (the server's 'upgrade' event): a presence socket is accepted on a loopback host
   * name, from an allowed browser origin (or none), for a dataset that exists; anything else is answered with an
   * HTTP error and closed.
   */
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const started = performance.now();
    socket.on('error', () => socket.destroy());
    const url = new URL(req.url ?? '/', 'http://lake.invalid');
    const log = (status: number): void =>
      this.ctx.log(`GET ${url.pathname} ${status} ${Math.round(performance.now() - started)}ms (websocket)`);
    this.check(req, url).then(
      (dataset) => {
        this.server.handleUpgrade(req, socket, head, (ws) => this.accept(ws, dataset));
        log(101);
      },
      (error: unknown) => {
        const status = error instanceof LakeError ? error.status : 500;
        const body = JSON.stringify(
          error instanceof LakeError ? error.body : { error: { description: messageOf(error), type: 'internalError' } },
        );
        socket.end(
          `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}\r\nconnection: close\r\n` +
            `content-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
        );
        log(status);
      },
    );
  }

  /** Closes every socket (the lake is stopping). */
  close(): void {
    clearInterval(this.timer);
    for (const peer of this.peers) peer.ws.terminate();
    this.peers.clear();
    this.server.close();
  }

  private async check(req: IncomingMessage, url: URL): Promise<string> {
    const name = SOCKET_PATH.exec(url.pathname)?.[1];
    if (name === undefined) throw refusal(404, `No WebSocket at ${url.pathname}: presence is at /v1/socket/:dataset`);
    const host = headerValue(req.headers.host);
    if (this.ctx.loopbackHostsOnly && host !== undefined && !isLoopbackHostHeader(host)) {
      throw refusal(403, `Host "${host.slice(0, 100)}" not allowed: this lake answers loopback names only`);
    }
    const origin = headerValue(req.headers.origin);
    if (origin !== undefined && !this.ctx.corsOrigins.has(origin)) {
      throw refusal(403, `CORS origin not allowed: ${origin.slice(0, 100)} may not open presence sockets`);
    }
    const dataset = decodeURIComponent(name);
    if ((await this.ctx.datasets.find(dataset)) === undefined) {
      throw refusal(404, `Dataset "${dataset.slice(0, 100)}" not found`);
    }
    if (this.peers.size >= this.limits.maxSockets) {
      throw refusal(503, `Too many presence sockets (${this.limits.maxSockets}); try again later`);
    }
    return dataset;
  }

  private accept(ws: WebSocket, dataset: string): void {
    const now = Date.now();
    const peer: Peer = {
      ws,
      dataset,
      caller: undefined,
      subscriptions: new Set(),
      sessions: new Set(),
      opened: now,
      lastSeen: now,
    };
    this.peers.add(peer);
    ws.on('pong', () => (peer.lastSeen = Date.now()));
    ws.on('message', (data, isBinary) => {
      peer.lastSeen = Date.now();
      if (isBinary) ws.close(CLOSE.badRequest, 'Text messages only');
      else this.receive(peer, data);
    });
    ws.on('error', () => ws.terminate());
    ws.on('close', () => this.leave(peer));
  }

  private leave(peer: Peer): void {
    if (!this.peers.delete(peer) || peer.caller === undefined) return;
    for (const session of peer.sessions) {
      this.broadcast(peer, { type: 'disconnect', i: peer.caller.identity, m: { session } });
    }
  }

  /** Pings every socket; closes those silent for `idleMs` and those that did not authorize in time. */
  private sweep(): void {
    const now = Date.now();
    for (const peer of this.peers) {
      if (peer.caller === undefined && now - peer.opened > this.limits.authorizeMs) {
        peer.ws.close(CLOSE.unauthorized, 'No authorization received');
      } else if (now - peer.lastSeen > this.limits.idleMs) {
        peer.ws.terminate();
      } else if (peer.ws.readyState === peer.ws.OPEN) {
        peer.ws.ping();
      }
    }
  }

  private receive(peer: Peer, data: RawData): void {
    let message: Rpc;
    try {
      message = JSON.parse(rawText(data)) as Rpc;
    } catch {
      this.send(peer, { jsonrpc: '2.0', id: null, error: { code: -32700, message: 'Parse error' } });
      return;
    }
    if (typeof message !== 'object' || message === null || typeof message.method !== 'string') {
      this.send(peer, { jsonrpc: '2.0', id: null, error: { code: -32600, message: 'Invalid request' } });
      return;
    }
    const id = typeof message.id === 'string' || typeof message.id === 'number' ? message.id : null;
    const params = (typeof message.params === 'object' && message.params !== null ? message.params : {}) as Record<
      string,
      unknown
    >;
    const reply = (result: unknown): void => this.send(peer, { jsonrpc: '2.0', id, result });
    const fail = (code: number, text: string): void =>
      this.send(peer, { jsonrpc: '2.0', id, error: { code, message: text } });
    if (message.method === 'authorization') {
      this.authorize(peer, params['authorization'], reply);
      return;
    }
    const caller = peer.caller;
    if (caller === undefined) {
      peer.ws.close(CLOSE.unauthorized, 'Send authorization first');
      return;
    }
    switch (message.method) {
      case 'presence_subscribe': {
        if (peer.subscriptions.size >= this.limits.maxSessionsPerSocket) {
          fail(-32600, `At most ${this.limits.maxSessionsPerSocket} subscriptions per socket`);
          return;
        }
        const subscription = randomBytes(9).toString('base64url');
        peer.subscriptions.add(subscription);
        reply(subscription);
        return;
      }
      case 'presence_unsubscribe':
        peer.subscriptions.delete(String(params['subscriptionId']));
        reply(true);
        return;
      case 'presence_announce': {
        const data = params['data'] as { sessionId?: unknown; locations?: unknown } | undefined;
        const sessionId = data?.sessionId;
        if (!isSessionId(sessionId) || !Array.isArray(data?.locations)) {
          fail(-32602, 'Expected {data: {sessionId, locations: []}}');
          return;
        }
        if (!peer.sessions.has(sessionId) && peer.sessions.size >= this.limits.maxSessionsPerSocket) {
          fail(-32600, `At most ${this.limits.maxSessionsPerSocket} sessions per socket`);
          return;
        }
        peer.sessions.add(sessionId);
        this.broadcast(peer, { type: 'state', i: caller.identity, m: { sessionId, locations: data.locations } });
        reply(true);
        return;
      }
      case 'presence_rollcall':
      case 'presence_disconnect': {
        const session = params['session'];
        if (!isSessionId(session)) {
          fail(-32602, 'Expected {session}');
          return;
        }
        if (message.method === 'presence_rollcall') {
          this.broadcast(peer, { type: 'rollCall', i: caller.identity, session });
        } else if (peer.sessions.delete(session)) {
          this.broadcast(peer, { type: 'disconnect', i: caller.identity, m: { session } });
        }
        reply(true);
        return;
      }
      default:
        fail(-32601, `Method not found: ${message.method.slice(0, 100)}`);
    }
  }

  private authorize(peer: Peer, authorization: unknown, reply: (result: unknown) => void): void {
    let caller: Caller;
    try {
      caller = callerFrom({ authorization: typeof authorization === 'string' ? authorization : '' }, this.ctx.tokens);
    } catch {
      caller = { role: undefined, name: '', identity: '' };
    }
    if (!readsPrivate(caller)) {
      peer.ws.close(CLOSE.unauthorized, 'Session not found');
      return;
    }
    if (peer.caller !== undefined && peer.caller.identity !== caller.identity) {
      peer.ws.close(CLOSE.badRequest, 'A socket stays with the user it authorized as');
      return;
    }
    const open = [...this.peers].filter((other) => other.caller?.identity === caller.identity).length;
    if (peer.caller === undefined && open >= this.limits.maxSocketsPerUser) {
      peer.ws.close(CLOSE.tooMany, `Too many presence sockets for ${caller.name}`);
      return;
    }
    peer.caller = caller;
    reply(true);
  }

  /** Sends a presence event to every other authorized socket of the same dataset, once per subscription. */
  private broadcast(from: Peer, event: Record<string, unknown>): void {
    for (const peer of this.peers) {
      if (peer === from || peer.dataset !== from.dataset || peer.caller === undefined) continue;
      for (const subscription of peer.subscriptions) {
        this.send(peer, { jsonrpc: '2.0', method: 'presence_subscription', params: { subscription, result: event } });
      }
    }
  }

  private send(peer: Peer, message: unknown): void {
    if (peer.ws.readyState !== peer.ws.OPEN) return;
    if (peer.ws.bufferedAmount > MAX_BUFFERED_BYTES) {
      peer.ws.terminate();
      return;
    }
    peer.ws.send(JSON.stringify(message));
  }
}

function refusal(status: number, description: string): LakeError {
  return apiError(status, description);
}

function isSessionId(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0 && value.length <= 100;
}

function rawText(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return (Buffer.isBuffer(data) ? data : Buffer.from(new Uint8Array(data))).toString('utf8');
}
