import { createServer } from 'node:http';
import { createSecureServer } from 'node:http2';
import { createServer as createNetServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { devCertificate } from '../lib/tls.ts';
import { DEFAULT_DEV_TOKENS, type TokenGrant } from './auth.ts';
import { Datasets, PRIMARY_DATASET } from './datasets.ts';
import { createLakeHandler, DEFAULT_BODY_LIMIT, type LakeContext, type LakeRequest, type LakeResponse } from './http.ts';
import { DEFAULT_IMAGE_LIMITS, type ImageLimits } from './image-transform.ts';
import { ListenHub } from './listen.ts';
import { QueryPool } from './query-pool.ts';
import { KeyValueStore } from './studio-api.ts';
import { WebhookDispatcher, type WebhookConfig } from './webhooks.ts';

export type { WebhookConfig } from './webhooks.ts';
export type { Role, TokenGrant } from './auth.ts';
export { DEFAULT_DEV_TOKENS } from './auth.ts';

/** Options of `startLake`. */
export interface LakeOptions {
  /** TCP port; 0 (the default) picks a free one. */
  port?: number;
  /** Interface to bind; 127.0.0.1 by default. */
  host?: string;
  /** NDJSON file of the `production` dataset (a Sanity export's `data.ndjson` loads as is); other datasets live beside it. */
  dataFile: string;
  /** Accepted bearer tokens; `DEFAULT_DEV_TOKENS` when absent. */
  tokens?: Record<string, { role: 'administrator' | 'editor' | 'viewer'; name?: string }>;
  webhooks?: WebhookConfig[];
  /** Receives one line per request and per webhook delivery; silent when absent. */
  log?: (line: string) => void;
  /** Waits before each webhook retry; `[1000, 2000, 4000]` by default (tests use shorter ones). */
  webhookRetryDelaysMs?: number[];
  /** Interval of heartbeat comments on listen streams; 15 s by default. */
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
  /** Sets the base URL written into uploaded assets' `url` (otherwise taken from each request's Host header). */
  setPublicUrl(url: string): void;
  /** Ends webhook retries and writes every dataset's snapshot (close the server first). */
  close(): Promise<void>;
  webhooksIdle(): Promise<void>;
}

/** Opens the data file and builds the request handler, without listening anywhere. */
export async function createLakeApp(options: Omit<LakeOptions, 'port' | 'host'>): Promise<LakeApp> {
  const log = options.log ?? (() => undefined);
  const tokens: Readonly<Record<string, TokenGrant>> = options.tokens ?? DEFAULT_DEV_TOKENS;
  const webhooks = new WebhookDispatcher(options.webhooks ?? [], { log, ...(options.webhookRetryDelaysMs === undefined ? {} : { retryDelaysMs: options.webhookRetryDelaysMs }) });
  const datasets = new Datasets(resolve(options.dataFile));
  // The data file's dataset always exists, so a fresh lake answers queries with [] rather than 404.
  await datasets.create(PRIMARY_DATASET);
  const queries = new QueryPool({
    log,
    ...(options.queryWorkers === undefined ? {} : { workers: options.queryWorkers }),
    ...(options.queryTimeoutMs === undefined ? {} : { queryTimeoutMs: options.queryTimeoutMs }),
    ...(options.listenFilterTimeoutMs === undefined ? {} : { listenFilterTimeoutMs: options.listenFilterTimeoutMs }),
  });
  const ctx: LakeContext = {
    datasets,
    tokens,
    hub: new ListenHub(queries, log),
    queries,
    images: { ...DEFAULT_IMAGE_LIMITS, ...options.imageLimits },
    webhooks,
    log,
    heartbeatMs: options.listenHeartbeatMs ?? 15_000,
    bodyLimit: options.bodyLimit ?? DEFAULT_BODY_LIMIT,
    publicUrl: undefined,
    keyValues: new KeyValueStore(),
  };
  return {
    handler: createLakeHandler(ctx),
    setPublicUrl(url) {
      ctx.publicUrl = url;
    },
    webhooksIdle: () => webhooks.idle(),
    async close() {
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
  const app = await createLakeApp(options);
  const host = options.host ?? '127.0.0.1';
  const plain = createServer(app.handler);
  let front: Server = plain;
  let certFile: string | undefined;
  const sockets = new Set<Socket>();
  try {
    if (options.tls === true) {
      const certificate = await devCertificate(join(dirname(resolve(options.dataFile)), 'tls'));
      certFile = certificate.certFile;
      const secure = createSecureServer({ key: certificate.key, cert: certificate.cert, allowHTTP1: true }, app.handler);
      // One port for both: a TLS handshake starts with byte 0x16 (handshake record), plain HTTP with a method name.
      front = createNetServer((socket) => {
        sockets.add(socket);
        socket.on('close', () => sockets.delete(socket));
        socket.on('error', () => socket.destroy());
        dispatchByFirstByte(socket, (tls) => (tls ? secure : plain).emit('connection', socket));
      });
    } else {
      plain.on('connection', (socket: Socket) => {
        sockets.add(socket);
        socket.on('close', () => sockets.delete(socket));
      });
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
    throw new Error(`lake: cannot listen on ${host}:${options.port ?? 0}: ${error instanceof Error ? error.message : String(error)}`);
  }
  const { port } = front.address() as AddressInfo;
  const bracketed = host.includes(':') ? `[${host}]` : host;
  const httpUrl = `http://${bracketed}:${port}`;
  // The certificate names localhost, and the Studio needs a name it can put its project id in front of.
  const loopback = host === '127.0.0.1' || host === '::1' || host === 'localhost' || host === '0.0.0.0' || host === '::';
  const url = options.tls === true ? `https://${loopback ? 'localhost' : bracketed}:${port}` : httpUrl;
  // A wildcard bind has no address to link to; asset URLs then follow each request's Host header.
  if (options.tls === true || (host !== '0.0.0.0' && host !== '::')) app.setPublicUrl(url);
  let closing: Promise<void> | undefined;
  return {
    url,
    httpUrl,
    port,
    ...(certFile === undefined ? {} : { certFile }),
    webhooksIdle: () => app.webhooksIdle(),
    close() {
      closing ??= (async () => {
        const closed = new Promise<void>((resolvePromise) => front.close(() => resolvePromise()));
        // Listen streams never end on their own; cut every connection so that close() returns.
        for (const socket of sockets) socket.destroy();
        plain.closeAllConnections();
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
