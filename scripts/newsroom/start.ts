/**
 * The newsroom, started in one call: the lake (the local Sanity-compatible API) over HTTPS + HTTP/2, seeded from
 * content/ when its dataset is empty, the Sanity Studio built against it (or its cached build) and served, and the
 * site, served by the rebuild service, which the lake's webhook rebuilds on every publish. `scripts/newsroom.ts` and
 * the Studio's e2e fixture start it.
 */
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { startLake, type Role, type RunningLake, type WebhookConfig } from '../../lake/server.ts';
import { startRebuildService, type RebuildService } from '../../rebuild/service.ts';
import { isTimeZone, timeZoneFromEnv } from '../../src/lib/site/dates.ts';
import { ROOT } from './processes.ts';
import { seedIfEmpty } from './seed.ts';
import { buildStudio } from './studio-build.ts';
import { serveStudio, studioOrigins } from './studio-server.ts';
import { tokensByRole, type NewsroomTokens } from './tokens.ts';

/** Options of `startNewsroom`; every one has a default suited to `npm run newsroom`. */
export interface NewsroomOptions {
  /** Folder of the lake's data (NDJSON, journal, assets, TLS certificate); `.lake` by default. */
  dataDir?: string;
  /** Interface for every server; loopback (127.0.0.1) by default. */
  host?: string;
  /** Port of the lake (HTTPS and plain HTTP on the one port); 3333 by default, 0 picks a free one. */
  lakePort?: number;
  /** Port of the Studio's static server; 3334 by default, 0 picks a free one. */
  studioPort?: number;
  projectId?: string;
  dataset?: string;
  /** Import content/ when the dataset has no stories, sections, tags or authors; true by default. */
  seed?: boolean;
  /** Build the Studio even when the cached build is current. */
  rebuildStudio?: boolean;
  /** Webhooks the lake delivers, besides the rebuild service's own. */
  webhooks?: WebhookConfig[];
  /** Port of the site (the rebuild service); 4322 by default, 0 picks a free one. `false`: no site. */
  sitePort?: number | false;
  /** Port of the draft preview server (part of the rebuild service); 4323 by default, 0 picks a free one. */
  previewPort?: number;
  /**
   * The newsroom's time zone (an IANA name such as Europe/Berlin): the site prints dates in it and the Studio shows
   * scheduled times in it. `NEWS_TIME_ZONE` by default, else UTC.
   */
  timeZone?: string;
  /** Progress lines; silent when absent. */
  log?: (line: string) => void;
  /** Receives the lake's request log; dropped when absent. */
  lakeLog?: (line: string) => void;
  /** Browser origins the lake answers besides the Studio's (CORS with credentials). */
  corsOrigins?: string[];
  /** Told when a sign-in link was used (each works once), e.g. to print a new one. */
  onSignIn?: (role: Role) => void;
}

/** The running newsroom: what to open, what to give tools, and how to stop it. */
export interface RunningNewsroom {
  lake: RunningLake;
  projectId: string;
  dataset: string;
  /** The time zone the site and the Studio show times in. */
  timeZone: string;
  urls: {
    /** The Studio, e.g. http://localhost:3334/ */
    studio: string;
    /** The API for browsers (`apiHost`); the Studio calls `https://<projectId>.localhost:<port>`. */
    api: string;
    /** The same API over plain HTTP, for Node tools (`SANITY_API_HOST`). */
    apiHttp: string;
    /** The site, served by the rebuild service (rebuilt on every publish); absent with `sitePort: false`. */
    site?: string;
    /** Draft previews (signed links only), served by the rebuild service; absent with `sitePort: false`. */
    preview?: string;
  };
  /** The rebuild service, when the site runs. */
  service?: RebuildService;
  /** The lake's tokens by role, for tools and tests; never printed or logged. */
  tokens: NewsroomTokens;
  /** A new sign-in link for `role`: opens the Studio signed in, once (the token is not in the link). */
  signInLink(role: Role): string;
  /** How the Studio build was obtained, and how long it took. */
  studioBuild: { cached: boolean; ms: number };
  /** Documents imported from content/, or undefined when the dataset already had content. */
  seeded: number | undefined;
  /** Stops the Studio server and the lake (which writes its snapshot). */
  close(): Promise<void>;
}

/** Starts the lake, seeds it, builds (or reuses) the Studio and serves it, and starts the site (the rebuild service). */
export async function startNewsroom(options: NewsroomOptions = {}): Promise<RunningNewsroom> {
  const log = options.log ?? (() => undefined);
  const host = options.host ?? '127.0.0.1';
  const projectId = options.projectId ?? 'local';
  const dataset = options.dataset ?? 'production';
  const dataDir = path.resolve(ROOT, options.dataDir ?? '.lake');
  const timeZone = options.timeZone ?? timeZoneFromEnv();
  if (!isTimeZone(timeZone))
    throw new Error(`newsroom: "${timeZone}" is not a time zone (expected e.g. Europe/Berlin)`);
  const closers: (() => Promise<void>)[] = [];
  const closeAll = async (): Promise<void> => {
    for (const close of closers.splice(0).reverse()) await close();
  };
  try {
    // The site's port is fixed before the lake starts, since the lake's webhook must name it.
    const sitePort =
      options.sitePort === false
        ? undefined
        : options.sitePort === 0
          ? await freePort(host)
          : (options.sitePort ?? 4322);
    const previewPort =
      sitePort === undefined
        ? undefined
        : options.previewPort === 0
          ? await freePort(host)
          : (options.previewPort ?? 4323);
    const siteUrl = sitePort === undefined ? undefined : `http://${host}:${sitePort}`;
    const previewUrl = previewPort === undefined ? undefined : `http://${host}:${previewPort}`;
    const secret = randomBytes(24).toString('hex');
    const siteHook: WebhookConfig[] =
      sitePort === undefined
        ? []
        : [
            {
              name: 'rebuild',
              url: `http://${host}:${sitePort}/hooks/sanity`,
              filter: '_type in ["story", "section", "tag", "author"] || (_type == "comment" && state != "pending")',
              projection: '{_id, _type}',
              secret,
            },
          ];
    const lake = await startLake({
      // The lake keeps `production` in data.ndjson and any other dataset beside it (data.<name>.ndjson).
      dataFile: path.join(dataDir, 'data.ndjson'),
      host,
      port: options.lakePort ?? 3333,
      tls: true,
      webhooks: [...siteHook, ...(options.webhooks ?? [])],
      corsOrigins: options.corsOrigins ?? [],
      ...(options.lakeLog === undefined ? {} : { log: options.lakeLog }),
    });
    closers.push(() => lake.close());
    const shownDir = dataDir.startsWith(ROOT + path.sep) ? path.relative(ROOT, dataDir) : dataDir;
    log(`lake: ${lake.url} (plain HTTP for tools: ${lake.httpUrl}), data in ${shownDir}`);
    const tokens = tokensByRole(lake);
    const seeded =
      options.seed === false
        ? undefined
        : await seedIfEmpty(lake.httpUrl, { projectId, dataset, token: tokens.editor, log });
    const build = await buildStudio({ projectId, dataset, force: options.rebuildStudio === true, log });
    const studio = await serveStudio(build.dir, {
      host,
      port: options.studioPort ?? 3334,
      projectId,
      apiHost: lake.url,
      ...(siteUrl === undefined ? {} : { siteUrl }),
      ...(previewUrl === undefined ? {} : { previewUrl }),
      timeZone,
      tokens,
      ...(options.onSignIn === undefined ? {} : { onSignIn: options.onSignIn }),
    });
    closers.push(() => studio.close());
    // The lake answers browsers from the Studio's origin only (and from origins LAKE_CORS_ORIGINS lists).
    for (const origin of studioOrigins(studio.url)) lake.allowOrigin(origin);
    let service: RebuildService | undefined;
    if (sitePort !== undefined) {
      service = await startRebuildService(
        {
          host,
          port: sitePort,
          dir: path.join(dataDir, 'site'),
          sanity: { projectId, dataset, apiVersion: '2025-02-19', apiHost: lake.httpUrl, preview: false },
          secret,
          debounceMs: 200,
          maxBodyBytes: 1_048_576,
          maxAgeMs: 300_000,
          // The pages' canonical links name the newsroom's site, not SITE_URL's default port.
          ...(siteUrl === undefined ? {} : { siteUrl }),
          ...(previewPort === undefined
            ? {}
            : { preview: { port: previewPort, token: tokens.viewer, studioOrigins: studioOrigins(studio.url) } }),
          timeZone,
          // Readers' comments, written with the lake's commenter token (it may only create pending comments).
          ...(tokens.commenter === undefined
            ? {}
            : { comments: { token: tokens.commenter, origins: [], trustProxy: false } }),
        },
        (line) => log(`site: ${line}`),
      );
      const running = service;
      closers.push(() => running.close());
    }
    return {
      lake,
      projectId,
      dataset,
      timeZone,
      urls: {
        studio: studio.url,
        api: lake.url,
        apiHttp: lake.httpUrl,
        ...(service ? { site: service.url } : {}),
        ...(service?.previewUrl ? { preview: service.previewUrl } : {}),
      },
      ...(service ? { service } : {}),
      tokens,
      signInLink: (role) => studio.signInLink(role),
      studioBuild: { cached: build.cached, ms: build.ms },
      seeded,
      close: closeAll,
    };
  } catch (error) {
    await closeAll();
    throw error;
  }
}

/** A port nobody listens on now, for a server whose address another must know before it starts. */
async function freePort(host: string): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
