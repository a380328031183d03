/**
 * The Studio's server: serves a built Studio (the API host placeholder replaced by the running lake's URL, the time
 * zone placeholder by the newsroom's zone, the Studio started once the browser reaches the API) and signs a browser
 * in through one-time links.
 */
import { readFile } from 'node:fs/promises';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Role } from '../../lake/server.ts';
import { limitedServer, type HttpLimits } from '../../src/lib/server/http-limits.ts';
import { SignInCodes } from '../lib/sign-in-codes.ts';
import { contentType, resolveStatic } from '../../src/lib/server/static-files.ts';
import { DEFAULT_TIME_ZONE } from '../../src/lib/site/dates.ts';
import { studioApiUrls, withApiCheck } from './api-check.ts';
import { ROOT } from './processes.ts';
import {
  STUDIO_API_HOST_PLACEHOLDER,
  STUDIO_PREVIEW_URL_PLACEHOLDER,
  STUDIO_SITE_URL_PLACEHOLDER,
  STUDIO_TIME_ZONE_PLACEHOLDER,
} from './studio-build.ts';
import type { NewsroomTokens } from './tokens.ts';

/** Options of `serveStudio`. */
export interface StudioServerOptions {
  host: string;
  port: number;
  projectId: string;
  apiHost: string;
  /** The site's public origin and the draft preview server's, when they run (the Studio hides what needs them). */
  siteUrl?: string;
  previewUrl?: string;
  /** The newsroom's time zone (an IANA name), which the Studio shows scheduled times in; UTC when absent. */
  timeZone?: string;
  /** The tokens sign-in links hand over, by role. */
  tokens: NewsroomTokens;
  /** Told when a sign-in link was used. */
  onSignIn?: (role: Role) => void;
}

/** A running Studio server. */
export interface StudioServer {
  url: string;
  server: Server;
  /** A new one-time sign-in link for `role`. */
  signInLink(role: Role): string;
  close(): Promise<void>;
}

/** The Studio server's limits: its bundle files are large, so requests get longer than the site's. */
const STUDIO_LIMITS: HttpLimits = { headersMs: 10_000, requestMs: 30_000, idleMs: 60_000, keepAliveMs: 5_000 };

/**
 * Serves a built Studio: files as they are (the placeholders replaced by `apiHost`, `siteUrl` and `previewUrl` in text files), any
 * other path gets index.html (the Studio routes in the browser), and `/__newsroom/sign-in?code=<one-time code>`
 * stores the code's role's token where the Studio reads it, then opens the Studio; the code then stops working.
 */
export async function serveStudio(dir: string, options: StudioServerOptions): Promise<StudioServer> {
  const root = path.resolve(dir);
  const codes = new SignInCodes<Role>();
  // The build's version of the sanity package (the build cache is keyed on it).
  const sanityVersion = String(
    (
      JSON.parse(await readFile(path.join(ROOT, 'node_modules', 'sanity', 'package.json'), 'utf8')) as {
        version?: unknown;
      }
    ).version,
  );
  // Slow or silent connections are closed, as on every server of the newsroom.
  const server = limitedServer((req, res) => {
    handleStudio(root, options, codes, sanityVersion, req, res).catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
      res.end(
        `newsroom: could not serve ${req.url ?? '/'}: ${error instanceof Error ? error.message : String(error)}\n`,
      );
    });
  }, STUDIO_LIMITS);
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error) =>
      reject(new Error(`newsroom: cannot serve the Studio on ${options.host}:${options.port}: ${error.message}`)),
    );
    server.listen(options.port, options.host, resolve);
  });
  const { port } = server.address() as AddressInfo;
  const loopback = options.host === '127.0.0.1' || options.host === '::1' || options.host === 'localhost';
  const url = `http://${loopback ? 'localhost' : options.host}:${port}/`;
  return {
    url,
    server,
    signInLink: (role) => `${url}__newsroom/sign-in?code=${codes.issue(role)}`,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** The origins a browser may show the Studio under: its URL, and on loopback the same port under 127.0.0.1. */
export function studioOrigins(studioUrl: string): string[] {
  const url = new URL(studioUrl);
  return url.hostname === 'localhost' ? [url.origin, `${url.protocol}//127.0.0.1:${url.port}`] : [url.origin];
}

async function handleStudio(
  root: string,
  options: StudioServerOptions,
  codes: SignInCodes<Role>,
  sanityVersion: string,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { allow: 'GET, HEAD' }).end();
    return;
  }
  const url = new URL(req.url ?? '/', 'http://studio.invalid');
  if (url.pathname === '/__newsroom/sign-in') {
    signIn(url, options, codes, res);
    return;
  }
  const file = (await resolveStatic(root, url.pathname))?.file ?? path.join(root, 'index.html');
  const extension = path.extname(file);
  const type = contentType(file);
  let body = await readFile(file);
  if (type.startsWith('text/') || extension === '.json') {
    let text = body
      .toString('utf8')
      .replaceAll(STUDIO_API_HOST_PLACEHOLDER, options.apiHost)
      .replaceAll(STUDIO_SITE_URL_PLACEHOLDER, options.siteUrl ?? '')
      .replaceAll(STUDIO_PREVIEW_URL_PLACEHOLDER, options.previewUrl ?? '')
      .replaceAll(STUDIO_TIME_ZONE_PLACEHOLDER, options.timeZone ?? DEFAULT_TIME_ZONE);
    // The Studio starts once the browser reaches the API (on a first start, after accepting its certificate).
    if (file === path.join(root, 'index.html'))
      text = withApiCheck(text, studioApiUrls(options.apiHost, options.projectId), sanityVersion);
    body = Buffer.from(text);
  }
  // Hashed bundles never change under their name; index.html (the fallback for every route) must not be cached.
  const immutable = url.pathname.startsWith('/static/') && extension !== '.html';
  res.writeHead(200, {
    'content-type': type,
    'content-length': String(body.length),
    'cache-control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
  });
  res.end(req.method === 'HEAD' ? undefined : body);
}

function signIn(url: URL, options: StudioServerOptions, codes: SignInCodes<Role>, res: ServerResponse): void {
  const role = codes.redeem(url.searchParams.get('code') ?? '');
  if (role === undefined) {
    res.writeHead(403, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' });
    res.end(
      'This sign-in link was already used, or is not one the newsroom made: each link works once. Use the new link the newsroom printed in its terminal (or restart `npm run newsroom`).\n',
    );
    return;
  }
  const key = JSON.stringify(`__studio_auth_token_${options.projectId}`);
  const value = JSON.stringify(JSON.stringify({ token: options.tokens[role] }));
  options.onSignIn?.(role);
  // Never cached, never sent on as a referrer: this page is the only place the token travels.
  res.writeHead(200, {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    'referrer-policy': 'no-referrer',
  });
  res.end(
    `<!doctype html><meta charset="utf-8"><title>Signing in</title><p>Signing in as ${role}…</p><script>localStorage.setItem(${key}, ${value}); location.replace('/');</script>\n`,
  );
}
