import { createClient, type SanityClient } from '@sanity/client';
import { test as base, expect as baseExpect, type BrowserContext, type Page, type TestInfo } from '@playwright/test';
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startNewsroom, type RunningNewsroom } from '../../scripts/newsroom/start.ts';

/** Roles whose development tokens the Studio can be opened with. */
export type Role = 'editor' | 'viewer' | 'administrator';

interface WorkerFixtures {
  /** The lake and the Studio on free ports, over a fresh data folder seeded from content/ (one per worker). */
  newsroom: RunningNewsroom;
  /** The newsroom's time zone (`test.use({ newsroomTimeZone })` in a spec starts a newsroom with it); UTC. */
  newsroomTimeZone: string;
}

interface TestFixtures {
  /** `@sanity/client` over plain HTTP with the editor token, raw perspective: what the assertions read. */
  sanity: SanityClient;
  /** Opens the Studio at `route` signed in with `role`'s token. */
  openStudio: (role: Role, route?: string) => Promise<Page>;
  /** Saves a screenshot of the page under test-results/studio/steps/ and attaches it to the report. */
  snap: (page: Page, name: string) => Promise<void>;
}

/**
 * Whether a URL is on this machine. The newsroom's Studio asks no other host (offline.spec.ts checks it); any
 * request elsewhere is blocked all the same, so that a test never depends on the network.
 */
function isLocal(url: string): boolean {
  const host = new URL(url).hostname;
  return host === 'localhost' || host.endsWith('.localhost') || host === '127.0.0.1' || host === '[::1]';
}

/** Blocks every request to a host other than this machine in `context`. */
export async function blockRemote(context: BrowserContext): Promise<void> {
  await context.route(
    (url) => !isLocal(url.toString()),
    (route) => route.abort('blockedbyclient'),
  );
}

let shot = 0;

export const test = base.extend<TestFixtures, WorkerFixtures>({
  newsroomTimeZone: ['UTC', { scope: 'worker', option: true }],
  newsroom: [
    async ({ newsroomTimeZone }, use, workerInfo) => {
      const dataDir = await mkdtemp(path.join(tmpdir(), 'newsroom-e2e-'));
      // Every request the lake answered, for reading after a failure.
      await mkdir(workerInfo.project.outputDir, { recursive: true });
      const lakeLog = createWriteStream(path.join(workerInfo.project.outputDir, `lake-${workerInfo.workerIndex}.log`));
      const newsroom = await startNewsroom({
        dataDir,
        lakePort: 0,
        studioPort: 0,
        // A free port too, so that runs side by side (or a newsroom already running) do not collide.
        sitePort: 0,
        previewPort: 0,
        timeZone: newsroomTimeZone,
        log: (line) => console.log(`[newsroom] ${line}`),
        lakeLog: (line) => lakeLog.write(`${new Date().toISOString()} ${line}\n`),
      });
      await use(newsroom);
      await newsroom.close();
      lakeLog.end();
      await rm(dataDir, { recursive: true, force: true });
    },
    // Seeding takes a few seconds; a first `sanity build` about 30.
    { scope: 'worker', timeout: 240_000 },
  ],
  sanity: async ({ newsroom }, use) => {
    await use(
      createClient({
        projectId: newsroom.projectId,
        dataset: newsroom.dataset,
        apiHost: newsroom.urls.apiHttp,
        useProjectHostname: false,
        apiVersion: '2025-02-19',
        useCdn: false,
        token: newsroom.tokens.editor,
        perspective: 'raw',
      }),
    );
  },
  openStudio: async ({ browser, newsroom }, use) => {
    const contexts: BrowserContext[] = [];
    await use(async (role, route = '') => {
      // The options the config's `use` gives, stated here too so the spec also runs under the site's config.
      const context = await browser.newContext({
        ignoreHTTPSErrors: true,
        viewport: { width: 1400, height: 1000 },
        timezoneId: 'UTC',
        locale: 'en-GB',
      });
      contexts.push(context);
      await blockRemote(context);
      // Where the Studio keeps its token (what signing in would store), set before its scripts run.
      const key = `__studio_auth_token_${newsroom.projectId}`;
      const value = JSON.stringify({ token: newsroom.tokens[role] });
      await context.addInitScript(([k, v]) => window.localStorage.setItem(k, v), [key, value] as const);
      const page = await context.newPage();
      await page.goto(new URL(route, newsroom.urls.studio).toString());
      return page;
    });
    for (const context of contexts) await context.close();
  },
  snap: async ({}, use, testInfo: TestInfo) => {
    const dir = path.join(testInfo.project.outputDir, 'steps');
    await mkdir(dir, { recursive: true });
    await use(async (page, name) => {
      shot += 1;
      const file = path.join(dir, `${String(shot).padStart(2, '0')}-${name}.png`);
      await page.screenshot({ path: file });
      await testInfo.attach(name, { path: file, contentType: 'image/png' });
    });
  },
});

/** `expect` with the patience the Studio needs on a small machine (it renders a document form in a few seconds). */
export const expect = baseExpect.configure({ timeout: 15_000 });
