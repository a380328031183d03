import type { IncomingMessage } from 'node:http';
import { createSecureServer, type Http2SecureServer } from 'node:http2';
import { createServer as createNetServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import type { Duplex } from 'node:stream';
import { limitedServer, timeoutOptions } from '../src/lib/server/http-limits.ts';
import { devCertificate } from './tls.ts';
import { Datasets, PRIMARY_DATASET } from './datasets.ts';
import type { LakeContext, LakeRequest, LakeResponse } from './context.ts';
import { createLakeHandler } from './handler.ts';
import { DEFAULT_BODY_LIMIT } from './http.ts';
import { DEFAULT_IMAGE_LIMITS, type ImageLimits } from './image-transform.ts';
import { ListenHub } from './listen.ts';
import { PresenceHub, type PresenceLimits } from './presence.ts';
import { isLoopbackBind } from './origins.ts';
import { QueryPool } from './query-pool.ts';
import { KeyValueStore } from './key-values.ts';
import { generatedTokens, type Tokens } from './tokens.ts';
import { WebhookDispatcher, type WebhookConfig } from './webhooks.ts';

export type { WebhookConfig } from './webhooks.ts';
export type { Role, TokenGrant } from './auth.ts';
export { tokenForRole, type Tokens } from './tokens.ts';

/** Connection time limits of every server the lake runs, in milliseconds. */
export interface LakeTimeouts {
  /** A connection's first byte, and each request's head, must arrive within this (slow or silent clients). */
  headersMs: number;
  /** A whole request, body included, must arrive within this. */
  requestMs: number;
  /** A connection (an HTTP/2 session too) with no traffic either way for this long is closed. */
  idleMs: number;
  /** An HTTP/1.1 keep-alive connection waits this long for its next request. */
  keepAliveMs: number;
}

/** Defaults of `LakeTimeouts`; listen streams stay open through heartbeats, sent well within `idleMs`. */
export const DEFAULT_TIMEOUTS: Readonly<LakeTimeouts> = {
  headersMs: 5_000,
  requestMs: 60_000,
  idleMs: 60_000,
  keepAliveMs: 5_000,
};

/** Options of `startLake`. */
export interface LakeOptions {
  /** TCP port; 0 (the default) picks a free one. */
  port?: number;
  /** Interface to bind; 127.0.0.1 by default. Any other than loopback needs explicit `tokens`. */
  host?: string;
  /** NDJSON file of the `production` dataset (a Sanity export's `data.ndjson` loads as is); other datasets live beside it. */
  dataFile: string;
  /** Accepted bearer tokens; when absent, random ones generated once per data folder in `<folder>/tokens.json` (0600). */
  tokens?: Tokens;
  /** Browser origins allowed to call the API with tokens (CORS with credentials), e.g. the Studio's; none by default. */
  corsOrigins?: string[];
  /** Connection time limits; `DEFAULT_TIMEOUTS` for what is not given. */
  timeouts?: Partial<LakeTimeouts>;
  webhooks?: WebhookConfig[];
  /** Receives one line per request and per webhook delivery; silent when absent. */
  log?: (line: string) => void;
  /** Waits before each webhook retry; `[1000, 2000, 4000]` by default (tests use shorter ones). */
  webhookRetryDelaysMs?: number[];
  /** Interval of heartbeat comments on listen streams; 15 s by default, at most half of `timeouts.idleMs`. */
  listenHeartbeatMs?: number;
  /** Largest request body in bytes; 10 MiB by default. */
  bodyLimit?: number;
  /** Time budget of one query in ms (then 408 `queryTimeout`); 10 s by default. */
  queryTimeoutMs?: number;
  /** Time budget of one listener's filter over one transaction in ms (then the listener ends); 1 s by default. */
  listenFilterTimeoutMs?: number;
  /** Worker threads that run queries; 2 by default (and at least 2, so one slow query cannot hold up the rest). */
  queryWorkers?: number;
  /** Bounds on image transforms; see `DEFAULT_IMAGE_LIMITS`. */
  imageLimits?: Partial<ImageLimits>;
  /** Bounds on presence sockets; see `DEFAULT_PRESENCE_LIMITS`. */
  presenceLimits?: Partial<PresenceLimits>;
  /**
   * Serve HTTPS with HTTP/2 (and HTTP/1.1 over TLS) besides plain HTTP on the same port, with a self-signed
   * certificate for `localhost` and `*.localhost` kept in `<data folder>/tls/`. The Studio needs HTTP/2: it holds
   * more listen streams open than HTTP/1.1 allows connections per host. Off by default (tests use plain HTTP).
   */
  tls?: boolean;
}

/** A running lake. */
export interface RunningLake {
  /**
   * Base URL to give `@sanity/client` as `apiHost`, e.g. `http://127.0.0.1:3333`; with `tls`, the HTTPS one for
   * browsers and the Studio, e.g. `https://localhost:3333` (the Studio calls `https://<projectId>.localhost:3333`).
   */
  url: string;
  /** Plain HTTP on the same port, e.g. `http://127.0.0.1:3333`: for Node tools, which do not trust the certificate. */
  httpUrl: string;
  port: number;
  /** The accepted tokens (the generated ones unless `tokens` was given): give them to tools, never to a log. */
  tokens: Readonly<Tokens>;
  /** Where the generated tokens are kept; undefined when `tokens` was given. */
  tokensFile?: string;
  /** Also answers `origin` (e.g. the Studio's, once its server listens) with CORS and credentials. */
  allowOrigin(origin: string): void;
  /** With `tls`: the certificate's PEM file (give it to Node as `NODE_EXTRA_CA_CERTS` to call `url` from Node). */
  certFile?: string;
  /** Stops accepting requests, ends listen streams and webhook retries, and writes every dataset's snapshot. */
  close(): Promise<void>;
  /** Resolves when every webhook delivery started so far has finished (delivered or given up). */
  webhooksIdle(): Promise<void>;
}

/** The lake without a server: a request handler to mount on `node:http` or `node:http2`, and its shutdown. */
export interface LakeApp {
  /** Handles one request; works with `http.createServer` and `http2.createSecureServer({allowHTTP1: true})`. */
  handler: (req: LakeRequest, res: LakeResponse) => void;
  /** Handles a server's 'upgrade' event: the Studio's presence WebSocket (`/v1/socket/:dataset`). */
  upgrade: (req: IncomingMessage, socket: Duplex, head: Buffer) => void;
  /** Sets the base URL written into uploaded assets' `url` (otherwise taken from each request's Host header). */
  setPublicUrl(url: string): void;
  /** The accepted tokens. */
  tokens: Readonly<Tokens>;
  /** Where the generated tokens are kept; undefined when `tokens` was given. */
  tokensFile?: string;
  /** Also answers `origin` with CORS and credentials. */
  allowOrigin(origin: string): void;
  /** Ends webhook retries and writes every dataset's snapshot (close the server first). */
  close(): Promise<void>;
  webhooksIdle(): Promise<void>;
}

/** Opens the data file and builds the request handler, without listening anywhere (`loopbackHostsOnly`, true by default: refuse other Host names). */
export async function createLakeApp(
  options: Omit<LakeOptions, 'port' | 'host'> & { loopbackHostsOnly?: boolean },
): Promise<LakeApp> {
  const log = options.log ?? (() => undefined);
  const generated =
    options.tokens === undefined ? await generatedTokens(dirname(resolve(options.dataFile))) : undefined;
  const tokens: Readonly<Tokens> = options.tokens ?? generated?.tokens ?? {};
  const idleMs = options.timeouts?.idleMs ?? DEFAULT_TIMEOUTS.idleMs;
  const webhooks = new WebhookDispatcher(options.webhooks ?? [], {
    log,
    ...(options.webhookRetryDelaysMs === undefined ? {} : { retryDelaysMs: options.webhookRetryDelaysMs }),
  });
  const datasets = new Datasets(resolve(options.dataFile));
  // The data file's dataset always exists, so a fresh lake answers queries with [] rather than 404.
  await datasets.create(PRIMARY_DATASET);
  const queries = new QueryPool({
    log,
    ...(options.queryWorkers === undefined ? {} : { workers: options.queryWorkers }),
    ...(options.queryTimeoutMs === undefined ? {} : { queryTimeoutMs: options.queryTimeoutMs }),
    ...(options.listenFilterTimeoutMs === undefined ? {} : { listenFilterTimeoutMs: options.listenFilterTimeoutMs }),
  });
  // Every worker gets its copy of the data file's dataset now, not when the first queries come.
  queries.prepare(await datasets.require(PRIMARY_DATASET));
  const ctx: LakeContext = {
    datasets,
    tokens,
    hub: new ListenHub(queries, log),
    queries,
    images: { ...DEFAULT_IMAGE_LIMITS, ...options.imageLimits },
    webhooks,
    log,
    // A stream quiet for idleMs would be closed as idle; heartbeats twice as often keep it open.
    heartbeatMs: Math.min(options.listenHeartbeatMs ?? 15_000, Math.floor(idleMs / 2)),
    bodyLimit: options.bodyLimit ?? DEFAULT_BODY_LIMIT,
    publicUrl: undefined,
    keyValues: new KeyValueStore(),
    corsOrigins: new Set(options.corsOrigins ?? []),
    loopbackHostsOnly: options.loopbackHostsOnly ?? true,
  };
  const presence = new PresenceHub(ctx, options.presenceLimits);
  return {
    handler: createLakeHandler(ctx),
    upgrade: (req, socket, head) => presence.upgrade(req, socket, head),
    setPublicUrl(url) {
      ctx.publicUrl = url;
    },
    tokens,
    ...(generated === undefined ? {} : { tokensFile: generated.file }),
    allowOrigin(origin) {
      ctx.corsOrigins.add(origin);
    },
    webhooksIdle: () => webhooks.idle(),
    async close() {
      presence.close();
      webhooks.close();
      await queries.close();
      await datasets.close();
    },
  };
}

/**
 * Starts the lake: a local HTTP API that behaves like Sanity's (query, doc, mutate, actions, listen, export, assets)
 * over NDJSON files, so the real `@sanity/client` works offline against
 * `createClient({apiHost: url, useProjectHostname: false})` and the Studio against `apiHost: url` (with `tls`).
 */
export async function startLake(options: LakeOptions): Promise<RunningLake> {
  const host = options.host ?? '127.0.0.1';
  const loopback = isLoopbackBind(host);
  if (!loopback && options.tokens === undefined) {
    throw new Error(
      `lake: refusing to listen on ${host} with generated tokens: beyond loopback, anyone who can reach the port could try them. Set LAKE_TOKENS to tokens of your own (see --help), or bind 127.0.0.1`,
    );
  }
  const app = await createLakeApp({ ...options, loopbackHostsOnly: loopback });
  const timeouts: LakeTimeouts = { ...DEFAULT_TIMEOUTS, ...options.timeouts };
  const limits = timeoutOptions(timeouts);
  // A connection idle this long is destroyed (no 'timeout' listener); listen streams' heartbeats count as traffic.
  const plain = limitedServer(app.handler, timeouts);
  plain.on('upgrade', app.upgrade);
  let secure: Http2SecureServer | undefined;
  let certFile: string | undefined;
  const sockets = new Set<Socket>();
  // Every connection comes in through this front door, which hands it on at its first byte: a TLS handshake (byte
  // 0x16) to the HTTP/2 server, anything else to the plain one. It also closes connections that never send a byte,
  // which Node's own header timeout does not see (it starts counting at the first byte of a request).
  const front: Server = createNetServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    socket.setTimeout(timeouts.headersMs, () => socket.destroy());
    dispatchByFirstByte(socket, (tls) => {
      socket.setTimeout(0);
      (tls && secure !== undefined ? secure : plain).emit('connection', socket);
    });
  });
  // The servers behind the front never listen themselves, and Node starts the check behind headersTimeout and
  // requestTimeout only on 'listening'.
  plain.emit('listening');
  try {
    if (options.tls === true) {
      const certificate = await devCertificate(join(dirname(resolve(options.dataFile)), 'tls'));
      certFile = certificate.certFile;
      secure = createSecureServer(
        {
          key: certificate.key,
          cert: certificate.cert,
          allowHTTP1: true,
          handshakeTimeout: timeouts.headersMs,
          ...limits,
        },
        app.handler,
      );
      // Idle HTTP/2 sessions (and HTTP/1.1-over-TLS sockets) are destroyed after idleMs without traffic.
      secure.setTimeout(timeouts.idleMs);
      // Browsers open WebSockets over HTTP/1.1, which the HTTP/2 server hands on as an 'upgrade'.
      secure.on('upgrade', app.upgrade);
      secure.emit('listening');
    }
    await new Promise<void>((resolvePromise, reject) => {
      front.once('error', reject);
      front.listen(options.port ?? 0, host, () => {
        front.off('error', reject);
        resolvePromise();
      });
    });
  } catch (error) {
    await app.close();
    throw new Error(
      `lake: cannot listen on ${host}:${options.port ?? 0}: ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    );
  }
  const { port } = front.address() as AddressInfo;
  const bracketed = host.includes(':') ? `[${host}]` : host;
  const httpUrl = `http://${bracketed}:${port}`;
  // The certificate names localhost, and the Studio needs a name it can put its project id in front of.
  const url =
    options.tls === true
      ? `https://${loopback || host === '0.0.0.0' || host === '::' ? 'localhost' : bracketed}:${port}`
      : httpUrl;
  // A wildcard bind has no address to link to; asset URLs then follow each request's Host header.
  if (options.tls === true || (host !== '0.0.0.0' && host !== '::')) app.setPublicUrl(url);
  let closing: Promise<void> | undefined;
  return {
    url,
    httpUrl,
    port,
    tokens: app.tokens,
    ...(app.tokensFile === undefined ? {} : { tokensFile: app.tokensFile }),
    allowOrigin: (origin) => app.allowOrigin(origin),
    ...(certFile === undefined ? {} : { certFile }),
    webhooksIdle: () => app.webhooksIdle(),
    close() {
      closing ??= (async () => {
        const closed = new Promise<void>((resolvePromise) => front.close(() => resolvePromise()));
        // Listen streams never end on their own; cut every connection so that close() returns.
        for (const socket of sockets) socket.destroy();
        plain.closeAllConnections();
        // The servers behind the front stop their timeout checks (closing one that never listened only reports so).
        plain.close(() => undefined);
        secure?.close(() => undefined);
        await closed;
        await app.close();
      })();
      return closing;
    },
  };
}

/** Waits for a connection's first byte and tells whether it opens a TLS handshake, leaving the byte unread. */
function dispatchByFirstByte(socket: Socket, dispatch: (tls: boolean) => void): void {
  const first: Buffer | null = socket.read(1) as Buffer | null;
  if (first === null) {
    socket.once('readable', () => dispatchByFirstByte(socket, dispatch));
    return;
  }
  socket.unshift(first);
  dispatch(first[0] === 0x16);
}
