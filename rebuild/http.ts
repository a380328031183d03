import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HTTP_LIMITS, limitedServer, type HttpLimits } from '../src/lib/server/http-limits.ts';
import { securityHeaders, serveStatic } from '../src/lib/server/static-files.ts';
import { CommentsEndpoint } from './comments.ts';
import type { BuildRequests } from './requests.ts';
import type { Build } from './site-folders.ts';
import { isRefusal, type WebhookVerifier } from './webhook.ts';

/** What the service's HTTP server needs from the rest of the service. */
export interface HttpParts {
  verifier: WebhookVerifier;
  requests: BuildRequests;
  /** The build being served, if any. */
  current: () => Build | undefined;
  /** The folder the search index (/pagefind/) is served from (rebuild/search.ts). */
  searchDir: string;
  /** What GET /status answers. */
  status: () => unknown;
  /** Origins pages may show images from, besides their own. */
  imageOrigins: readonly string[];
  /** The comments endpoint (`POST /comments`); without one, comments are refused with a page saying so. */
  comments?: CommentsEndpoint;
  log: (line: string) => void;
}

/**
 * The service's HTTP server: the site (the current build, fixed for each request; its search index in /pagefind/ from
 * the index folder), Sanity's webhooks at `POST /hooks/sanity` (verified, counted, each a build request), readers'
 * comments at `POST /comments` (comments.ts) and `GET /status`.
 */
export class ServiceHttp {
  /** Webhook deliveries by outcome, for `/status`. */
  readonly counts = { accepted: 0, duplicates: 0, refused: 0 };
  readonly #parts: HttpParts;
  readonly #server: Server;

  constructor(parts: HttpParts, limits: HttpLimits = HTTP_LIMITS) {
    this.#parts = parts;
    this.#server = limitedServer((req, res) => {
      this.#handle(req, res).catch((error: unknown) => {
        parts.log(`request failed: ${error instanceof Error ? error.message : String(error)}`);
        if (!res.headersSent) json(res, 500, { error: 'internal error' });
        else res.destroy();
      });
    }, limits);
  }

  /** Listens on `host:port` (0: a free port); resolves with the port. */
  async listen(port: number, host: string): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(port, host, resolve);
    });
    return (this.#server.address() as AddressInfo).port;
  }

  /** Stops accepting connections; resolves once every open request has ended (see `cut`). */
  close(): Promise<void> {
    return new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  /** Ends every connection, a stuck sender's too. */
  cut(): void {
    this.#server.closeAllConnections();
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const { verifier, requests, log } = this.#parts;
    // Stryker disable next-line StringLiteral: equivalent, a request always has a URL, and '' resolves to '/' as well
    const target = req.url ?? '/';
    const url = new URL(target, 'http://localhost');
    if (url.pathname === '/hooks/sanity') {
      const result = await verifier.verify(req);
      if (isRefusal(result)) {
        this.counts.refused += 1;
        log(`webhook refused: ${result.status} ${result.error}`);
        json(res, result.status, { error: result.error });
        return;
      }
      if (result.duplicate) {
        this.counts.duplicates += 1;
        log(`webhook ${result.key}: duplicate delivery, ignored`);
        json(res, 200, { status: 'duplicate' });
        return;
      }
      this.counts.accepted += 1;
      const doc = result.body as { _id?: unknown } | null;
      log(`webhook ${result.key}: ${typeof doc?._id === 'string' ? doc._id : 'change'} -> rebuild queued`);
      requests.webhook(typeof doc?._id === 'string' ? doc._id : undefined);
      json(res, 202, { status: 'queued' });
      return;
    }
    if (CommentsEndpoint.handles(url.pathname)) {
      if (this.#parts.comments) await this.#parts.comments.handle(req, res);
      else {
        // Stryker disable next-line CallExpression: equivalent, Node drains an unread body once the answer is sent
        req.resume();
        res
          .writeHead(503, {
            ...securityHeaders(),
            'content-type': 'text/plain; charset=utf-8',
            'cache-control': 'no-store',
          })
          .end('This site does not take comments at the moment.\n');
      }
      return;
    }
    if (url.pathname === '/status') {
      json(res, 200, this.#parts.status());
      return;
    }
    if (url.pathname.startsWith('/pagefind/')) {
      // The search index is written after the build it follows, into its own folder.
      await serveStatic(this.#parts.searchDir, req, res);
      return;
    }
    const current = this.#parts.current();
    if (!current) {
      res
        .writeHead(503, { ...securityHeaders(), 'content-type': 'text/plain; charset=utf-8', 'retry-after': '5' })
        .end('The site is being built. Try again in a few seconds.\n');
      return;
    }
    // The build is fixed for the whole request, so a reader never gets files from two builds.
    await serveStatic(current.dir, req, res, { imageOrigins: this.#parts.imageOrigins });
  }
}

function json(res: ServerResponse, status: number, body: unknown): void {
  const text = `${JSON.stringify(body)}\n`;
  res
    .writeHead(status, {
      ...securityHeaders(),
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(text),
      'cache-control': 'no-store',
    })
    .end(text);
}
