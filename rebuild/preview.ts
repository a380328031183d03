/**
 * The draft preview server: a second HTTP listener of the rebuild service, on its own port so that the public origin
 * never serves a draft. For a document it renders its draft as the site would (rebuild/preview-model.ts) in a build
 * process of its own, marked "Preview: not published", and serves it only with a signed token (preview-token.ts),
 * never cached, not indexed, framable by the Studio only.
 *
 *   POST /__preview/token        {secret, id}: a token for `id`, when `secret` is a preview secret the Studio wrote
 *                                (a `sanity.previewUrlSecret` document, as Sanity's preview handshake makes, under an
 *                                hour old); CORS for the Studio's origins
 *   GET  /__preview/doc/<id>?token=…   the preview page (rendered first when the draft or the site changed)
 *   GET  /__preview/urls?id=<id>       {live: url | null}: the document's page on the live site, if it has one
 *   GET  /__preview/preview.css        the banner's style; other files (/_astro/…, images) from the live build
 */
import { readFile, rm } from 'node:fs/promises';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { SanityClient } from '@sanity/client';
import { formatIssue, type ContentIssue } from '../src/lib/model/content-error.ts';
import { lookupBodies } from '../src/lib/body/render-cache.ts';
import { HTTP_LIMITS, limitedServer, type HttpLimits } from '../src/lib/server/http-limits.ts';
import { contentSecurityPolicy, resolveStatic, serveStatic } from '../src/lib/server/static-files.ts';
import { documentPath } from '../src/lib/site/document-paths.ts';
import { pageFile } from '../src/lib/site/pages.ts';
import type { SanityDocument } from '../src/lib/sources/sanity/documents.ts';
import type { SanityAsset } from '../src/lib/sources/sanity/site-source.ts';
import type { AdmittedContent } from './admitted-content.ts';
import { BuildProcesses } from './build-processes.ts';
import type { PreviewConfig } from './config.ts';
import type { Mirror } from './mirror.ts';
import { previewPlan } from './preview-model.ts';
import { checkPreviewToken, isPreviewDocId, signPreviewToken } from './preview-token.ts';
import type { Build } from './site-folders.ts';
import { quickSimilar, type SiteModel } from './site-model.ts';

/** How old a Studio's preview secret may be (Sanity's SECRET_TTL). */
const SECRET_TTL_MS = 3600_000;
/** Rendered previews kept in memory, the least recently asked for dropped first. */
const MAX_KEPT = 50;

const BANNER_CSS = `.preview-banner{position:sticky;top:0;z-index:10;margin:0;padding:.5rem 1rem;background:#8a1c1c;color:#fff;font:600 .95rem/1.4 system-ui,sans-serif;text-align:center}
.preview-issues{max-width:48rem;margin:2rem auto;padding:0 1rem;font:1rem/1.5 system-ui,sans-serif}
`;

/** What the preview server needs from the rest of the service. */
export interface PreviewParts {
  config: PreviewConfig;
  host: string;
  /** The service's folder: the key file and the preview's build processes live under it. */
  dir: string;
  /** Reads drafts: a client with the preview token. */
  client: SanityClient;
  sanity: { projectId: string; dataset: string; apiHost?: string };
  mirror: Mirror;
  content: AdmittedContent;
  model: SiteModel;
  /** The service's render cache folder, read for bodies already rendered. */
  renderCacheDir: string;
  current: () => Build | undefined;
  imageOrigins: readonly string[];
  /** The live site's public origin, for `/__preview/urls`. */
  siteUrl: string;
  /** Variables the build processes get (SITE_URL). */
  env?: Readonly<Record<string, string>>;
  key: Buffer;
  log: (line: string) => void;
  limits?: HttpLimits;
}

/** A rendered preview: what it was rendered from, and the answer. */
interface Rendered {
  stamp: string;
  status: number;
  html: string;
  /** A rendered page, the preview's own HTML (the draft's problems), or a message. */
  kind: 'page' | 'html' | 'text';
}

/** The preview server (see the module comment). */
export class PreviewServer {
  readonly #parts: PreviewParts;
  readonly #server: Server;
  readonly #renderer: BuildProcesses;
  readonly #kept = new Map<string, Rendered>();
  readonly #pending = new Map<string, { stamp: string; done: Promise<Rendered> }>();
  /** Renders run one at a time, in one build process started ahead. */
  #chain: Promise<unknown> = Promise.resolve();
  #cached: ReturnType<typeof lookupBodies>;

  constructor(parts: PreviewParts) {
    this.#parts = parts;
    this.#renderer = new BuildProcesses(path.join(parts.dir, 'preview'), parts.env);
    this.#server = limitedServer((req, res) => {
      this.#handle(req, res).catch((error: unknown) => {
        parts.log(`preview request failed: ${error instanceof Error ? error.message : String(error)}`);
        if (!res.headersSent) text(res, 500, 'The preview failed; the service log says why.\n');
        else res.destroy();
      });
    }, parts.limits ?? HTTP_LIMITS);
  }

  /** Listens; resolves with the server's URL. */
  async listen(): Promise<string> {
    await this.#renderer.clear();
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(this.#parts.config.port, this.#parts.host, resolve);
    });
    return `http://${this.#parts.host}:${(this.#server.address() as AddressInfo).port}`;
  }

  /** Stops the build processes and the server. */
  async close(): Promise<void> {
    this.#renderer.stop();
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    this.#server.closeAllConnections();
    await closed;
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const { config, log } = this.#parts;
    // Against DNS rebinding: only the loopback names (or the configured host) are answered.
    const hostname = (req.headers.host ?? '').replace(/:\d+$/, '');
    if (!['localhost', '127.0.0.1', '[::1]', this.#parts.host].includes(hostname)) {
      text(res, 421, 'Unknown host.\n');
      return;
    }
    const url = new URL(req.url ?? '/', 'http://localhost');
    const origin = req.headers.origin;
    const allowed = origin !== undefined && config.studioOrigins.includes(origin);
    const cors: Record<string, string> = allowed
      ? {
          'access-control-allow-origin': origin,
          'access-control-allow-methods': 'GET, POST',
          'access-control-allow-headers': 'content-type',
          vary: 'origin',
        }
      : {};
    if (req.method === 'OPTIONS') {
      res.writeHead(allowed ? 204 : 403, cors).end();
      return;
    }
    if (url.pathname === '/__preview/token') {
      if (req.method !== 'POST') return json(res, 405, { error: 'POST only' }, cors);
      if (origin !== undefined && !allowed) return json(res, 403, { error: 'origin not allowed' }, cors);
      const body = await readJson(req);
      const id = typeof body?.['id'] === 'string' ? body['id'] : '';
      const secret = typeof body?.['secret'] === 'string' ? body['secret'] : '';
      if (!isPreviewDocId(id) || !/^[\w-]{16,128}$/.test(secret))
        return json(res, 400, { error: 'expected {"id": "<published id>", "secret": "<preview secret>"}' }, cors);
      if (!(await this.#secretValid(secret))) {
        log(`preview: a token for ${id} refused (unknown or expired secret)`);
        return json(res, 403, { error: 'unknown or expired preview secret' }, cors);
      }
      // Someone is about to watch a preview: have a build process ready (bundling takes seconds).
      this.#renderer.warm();
      const token = signPreviewToken(this.#parts.key, id);
      return json(res, 200, { token, path: `/__preview/doc/${id}?token=${encodeURIComponent(token)}` }, cors);
    }
    if (url.pathname === '/__preview/urls') {
      const id = url.searchParams.get('id') ?? '';
      if (!isPreviewDocId(id)) return json(res, 400, { error: 'expected ?id=<published id>' }, cors);
      return json(res, 200, { live: await this.#liveUrl(id) }, cors);
    }
    if (url.pathname === '/__preview/preview.css') {
      res
        .writeHead(200, {
          'content-type': 'text/css; charset=utf-8',
          'cache-control': 'no-store',
          'x-content-type-options': 'nosniff',
        })
        .end(BANNER_CSS);
      return;
    }
    const match = /^\/__preview\/doc\/([^/]+)$/.exec(url.pathname);
    if (match) {
      const id = match[1] ?? '';
      const token = url.searchParams.get('token') ?? '';
      const refused = isPreviewDocId(id) ? checkPreviewToken(this.#parts.key, token, id) : 'not a document id';
      if (refused !== undefined) {
        log(`preview of ${id.slice(0, 64)} refused: ${refused}`);
        this.#page(res, 403, 'This preview link is not valid (open the preview from the Studio again).');
        return;
      }
      const rendered = await this.#preview(id);
      this.#page(res, rendered.status, rendered.html, rendered.kind);
      return;
    }
    // Anything else: the live build's files (stylesheets, images); a page links to the live site instead.
    const current = this.#parts.current();
    if (current && req.method === 'GET' && !/\/$|\.html$/.test(url.pathname) && url.pathname.includes('.')) {
      await serveStatic(current.dir, req, res, { imageOrigins: this.#parts.imageOrigins });
      return;
    }
    const live = new URL(url.pathname, this.#parts.siteUrl).href;
    this.#page(
      res,
      404,
      `<p>The preview shows one draft. This link leads to the live site: <a href="${escape(live)}" target="_blank" rel="noopener">${escape(live)}</a></p>`,
      'html',
    );
  }

  /**
   * Sends a preview answer: never cached, not indexed, framed by the Studio only. `body` is a whole rendered page,
   * HTML for the preview's own page, or text for it.
   */
  #page(res: ServerResponse, status: number, body: string, kind: 'page' | 'html' | 'text' = 'text'): void {
    const page = kind === 'page' ? body : shell(kind === 'html' ? body : `<p>${escape(body)}</p>`);
    const frame = this.#parts.config.studioOrigins.join(' ') || "'none'";
    res
      .writeHead(status, {
        'content-type': 'text/html; charset=utf-8',
        'content-length': Buffer.byteLength(page),
        'content-security-policy': contentSecurityPolicy(this.#parts.imageOrigins).replace(
          "frame-ancestors 'none'",
          `frame-ancestors ${frame}`,
        ),
        'cache-control': 'no-store, private',
        'x-robots-tag': 'noindex, nofollow',
        'referrer-policy': 'no-referrer',
        'x-content-type-options': 'nosniff',
      })
      .end(page);
  }

  /** Whether `secret` is a preview secret written in the last hour (with the editor's own rights, by the Studio). */
  async #secretValid(secret: string): Promise<boolean> {
    const found = await this.#parts.client.fetch<{ _updatedAt?: string } | null>(
      '*[_type == "sanity.previewUrlSecret" && secret == $secret][0]{_updatedAt}',
      { secret },
      { perspective: 'raw' },
    );
    const at = Date.parse(found?._updatedAt ?? '');
    return !Number.isNaN(at) && Date.now() - at < SECRET_TTL_MS && at - Date.now() < 60_000;
  }

  /** The document's live page URL, if the current build has it. */
  async #liveUrl(id: string): Promise<string | null> {
    const doc = this.#parts.mirror.documents.get(id);
    const current = this.#parts.current();
    const page = doc && documentPath(doc);
    if (!page || !current) return null;
    return (await resolveStatic(current.dir, page)) ? new URL(page, this.#parts.siteUrl).href : null;
  }

  /** The document's preview, rendered now unless the one kept is of the same draft and the same live site. */
  async #preview(id: string): Promise<Rendered> {
    const { client, mirror } = this.#parts;
    if (!this.#parts.current())
      return { stamp: '', status: 503, html: 'The site is being built. Try again in a few seconds.', kind: 'text' };
    const found = await client.fetch<SanityDocument[]>(
      '*[_id in [$id, $draft]]',
      { id, draft: `drafts.${id}` },
      { perspective: 'raw' },
    );
    const doc = found.find((d) => d['_id'] === `drafts.${id}`) ?? found.find((d) => d['_id'] === id);
    if (!doc) return { stamp: '', status: 404, html: 'No such document.', kind: 'text' };
    const stamp = `${String(doc['_rev'])}|${mirror.revision()}|${mirror.assetsRevision()}`;
    const kept = this.#kept.get(id);
    if (kept?.stamp === stamp) {
      // Most recently asked for last: the first key is the one to drop.
      this.#kept.delete(id);
      this.#kept.set(id, kept);
      return kept;
    }
    const pending = this.#pending.get(id);
    if (pending?.stamp === stamp) return pending.done;
    const done = this.#chain.then(() => this.#render(id, { ...doc, _id: id }, stamp));
    this.#chain = done.catch(() => undefined);
    this.#pending.set(id, { stamp, done });
    try {
      const rendered = await done;
      this.#kept.delete(id);
      this.#kept.set(id, rendered);
      for (const old of this.#kept.keys()) if (this.#kept.size > MAX_KEPT) this.#kept.delete(old);
      return rendered;
    } finally {
      if (this.#pending.get(id)?.done === done) this.#pending.delete(id);
    }
  }

  /** Computes the preview's plan and renders it in the build process started ahead. */
  async #render(id: string, doc: SanityDocument, stamp: string): Promise<Rendered> {
    const { mirror, content, model, sanity, log } = this.#parts;
    const started = performance.now();
    const assets = new Map<string, SanityAsset>(mirror.assets);
    const missing = [...assetRefs(doc)].filter((ref) => !assets.has(ref));
    if (missing.length > 0) {
      const more = await this.#parts.client.fetch<SanityAsset[]>(
        '*[_type == "sanity.imageAsset" && _id in $ids]{_id, _type, _updatedAt, url, originalFilename, extension, "width": metadata.dimensions.width, "height": metadata.dimensions.height}',
        { ids: missing },
        { perspective: 'raw' },
      );
      for (const asset of more) assets.set(asset._id, asset);
    }
    this.#cached ??= lookupBodies(this.#parts.renderCacheDir);
    const settled = model.settled;
    const cachedBody = this.#cached;
    const result = previewPlan({
      doc,
      documents: content.accepted.length > 0 ? content.accepted : [...mirror.documents.values()],
      assets: [...assets.values()],
      sanity,
      now: new Date(),
      model,
      ...(cachedBody ? { cachedBody } : {}),
      ...(settled
        ? {
            similar: (inputs, { limit }) => (limit === settled.limit ? quickSimilar(inputs, settled).links : new Map()),
          }
        : {}),
    });
    if (!result.ok) return { stamp, status: 422, html: issuesHtml(result.issues), kind: 'html' };
    const planned = performance.now();
    const rendered = await this.#renderer.render(result.plan);
    try {
      const html = await readFile(path.join(rendered.staging, pageFile(result.path)), 'utf8');
      const ms = (from: number) => Math.round(performance.now() - from);
      log(`preview of ${id} rendered in ${ms(started)} ms (computed in ${Math.round(planned - started)} ms)`);
      return { stamp, status: 200, html, kind: 'page' };
    } finally {
      await rm(rendered.staging, { recursive: true, force: true });
    }
  }
}

/** Image asset ids a document references. */
function assetRefs(value: unknown, into = new Set<string>()): Set<string> {
  if (Array.isArray(value)) for (const item of value) assetRefs(item, into);
  else if (value && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      if (key === '_ref' && typeof item === 'string' && item.startsWith('image-')) into.add(item);
      else assetRefs(item, into);
    }
  }
  return into;
}

function issuesHtml(issues: ContentIssue[]): string {
  const items = issues.map((issue) => `<li>${escape(formatIssue(issue))}</li>`).join('');
  return `<main class="preview-issues"><h1>This draft would not be published as it is</h1><ul>${items}</ul></main>`;
}

/** A page of the preview server's own, with the banner. */
function shell(body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="robots" content="noindex, nofollow"><title>Preview: not published</title><link rel="stylesheet" href="/__preview/preview.css"></head><body><p class="preview-banner" role="status">Preview: not published</p>${body}</body></html>`;
}

function escape(value: string): string {
  return value.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown> | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > 4096) return undefined;
    chunks.push(chunk);
  }
  try {
    const value: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    return value && typeof value === 'object' ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const payload = `${JSON.stringify(body)}\n`;
  res
    .writeHead(status, {
      ...headers,
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(payload),
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
    })
    .end(payload);
}

function text(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' }).end(body);
}
