// Framework glue: the pages a build renders (the whole site, or the rebuild service's plan); routes import `staticPaths`, `getStaticPage` and `getLayout`.
import { AstroError } from 'astro/errors';
import path from 'node:path';
import { isRenderProcess, planFromParent } from './build/ipc.ts';
import { ContentError, CONTENT_HINT, contentProblems } from './lib/model/content-error.ts';
import { loadSite } from './lib/site/load-site.ts';
import { SOURCE_HINT, SourceError } from './lib/sources/source-error.ts';
import {
  pagesOf,
  siteLayout,
  sitePages,
  type Layout,
  type PageKind,
  type RenderPlan,
  type SitePage,
} from './lib/site/pages.ts';
import type { Site } from './lib/site/site.ts';
import { readPlan } from './lib/site/render-plan.ts';

let plan: Promise<RenderPlan> | undefined;

/**
 * The pages this build renders, computed once and shared by every route. Normally every page of the site; in a
 * render process (started by `npm run build` or the rebuild service), only the pages of the render plan its parent
 * hands over once Astro has bundled the site (src/build/ipc.ts), whose data the parent already computed.
 */
function getPlan(): Promise<RenderPlan> {
  plan ??= isRenderProcess()
    ? planFromParent().then((file) => readPlan(path.resolve(file)))
    : load().then((site) => ({ layout: siteLayout(site), pages: sitePages(site) }));
  return plan;
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
export async function staticPaths<K extends PageKind>(
  kind: K,
): Promise<{ params: SitePage['params']; props: SitePage<K>['props'] }[]> {
  return (await getPages(kind)).map((p) => ({ params: p.params, props: p.props }));
}

/**
 * The whole site, for a build or dev server without a plan; content problems become an Astro error with the list, a
 * failed source one with its cause.
 */
async function load(): Promise<Site> {
  try {
    return await loadSite({ log: (line) => console.log(line) });
  } catch (error) {
    if (error instanceof SourceError) throw new AstroError(error.message, SOURCE_HINT);
    if (!(error instanceof ContentError)) throw error;
    throw new AstroError(contentProblems(error.issues), CONTENT_HINT);
  }
}
