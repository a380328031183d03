// Framework glue: the pages a build renders (the whole site, or the rebuild service's plan); routes import `staticPaths`, `getStaticPage` and `getLayout`.
import { AstroError } from "astro/errors";
import { existsSync } from 'node:fs';
import path from 'node:path';
import { ContentError, CONTENT_HINT, contentProblems } from './lib/content-error.ts';
import { loadSite } from './lib/load-site.ts';
import { PLAN_WAITING, pagesOf, siteLayout, sitePages, type Layout, type PageKind, type RenderPlan, type SitePage } from './lib/pages.ts';
import type { Site } from './lib/site.ts';
import { readPlan as readPlanFile } from './lib/render-plan.ts';


let plan: Promise<RenderPlan> | undefined;


/**
 * The pages this build renders, computed once and shared by every route. Normally every page of the site; with
 * `NEWS_RENDER_PLAN` set (by the rebuild service), only the pages listed in that file, whose data the service
 * already computed (see README, "Rebuilds").
 */
function getPlan(): Promise<RenderPlan> {
  const file = process.env['NEWS_RENDER_PLAN'];
  plan ??= file ? readPlan(path.resolve(file)) : load().then((site) => ({ layout: siteLayout(site), pages: sitePages(site) }));
  return plan;
}

/**
 * Reads a render plan. The file may not exist yet: the rebuild service starts a build ahead of time, so that Astro
 * has loaded and bundled before a change arrives, and writes the plan (atomically) when it knows what to render.
 */
async function readPlan(file: string): Promise<RenderPlan> {
  const parent = process.ppid;
  // The rebuild service reads this line: the process is ready, a plan now waits only for its pages to render.
  if (!existsSync(file)) console.log(`${PLAN_WAITING} ${file}`);
  for (;;) {
    if (existsSync(file)) return readPlanFile(file);
    if (!existsSync(path.dirname(file))) throw new Error(`NEWS_RENDER_PLAN: the folder of ${file} does not exist; the plan can never appear there`);
    // Waiting for a process that is gone would wait forever.
    if (process.ppid !== parent) throw new Error('NEWS_RENDER_PLAN: the process that started this build has exited; no plan will come');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** The pages of one kind that this build renders. */
export async function getPages<K extends PageKind>(kind: K): Promise<SitePage<K>[]> {
  return pagesOf((await getPlan()).pages, kind);
}

/** The props of a page without route parameters (home, tag index, feeds, 404). */
export async function getStaticPage<K extends PageKind>(kind: K): Promise<SitePage<K>['props']> {
  const [page] = await getPages(kind);
  if (!page) throw new Error(`the render plan has no "${kind}" page`);
  return page.props;
}

/** What every page's layout shows. */
export async function getLayout(): Promise<Layout> {
  return (await getPlan()).layout;
}

/** Route entries for `getStaticPaths`: params and props. */
export async function staticPaths<K extends PageKind>(kind: K): Promise<{ params: SitePage['params']; props: SitePage<K>['props'] }[]> {
  return (await getPages(kind)).map((p) => ({ params: p.params, props: p.props }));
}

/** The whole site, for a build or dev server without a plan; content problems become an Astro error with the list. */
async function load(): Promise<Site> {
  try {
    return await loadSite({ log: (line) => console.log(line) });
  } catch (error) {
    if (!(error instanceof ContentError)) throw error;
    throw new AstroError(contentProblems(error.issues), CONTENT_HINT);
  }
}
