/**
 * A draft preview as a render plan: the live site's documents (the last valid content) with one document replaced by
 * its draft, computed as a build computes the site, and of its pages only the draft's own (its story page, or the
 * front page of its section, tag or author listing) and the routes every build renders. The draft is shown whatever
 * its publish time: the site is computed as of that time when it lies ahead (a scheduled story). A story's draft is
 * computed from the live site's model when it can be (`SiteModel.previewStory`: the story alone, not the site).
 */
import { renderBody } from '../src/lib/body/body.ts';
import type { RenderedBody as Body } from '../src/lib/site/site.ts';
import { ContentError, type ContentIssue } from '../src/lib/model/content-error.ts';
import { PageKeyCache, siteLayout, sitePages, type RenderPlan } from '../src/lib/site/pages.ts';
import { buildSite, validateSite, type BuildSiteOptions } from '../src/lib/site/site.ts';
import type { SanityConfig } from '../src/lib/sources/sanity/config.ts';
import type { SanityDocument } from '../src/lib/sources/sanity/documents.ts';
import { siteSourceFromDocuments, type SanityAsset } from '../src/lib/sources/sanity/site-source.ts';
import type { StoryBody } from '../src/lib/model/story.ts';
import type { SiteModel } from './site-model.ts';

/** The document types a preview shows, and the listing each non-story type has. */
export const PREVIEW_TYPES = ['story', 'section', 'tag', 'author'] as const;
export type PreviewType = (typeof PREVIEW_TYPES)[number];

/** What a preview computation gives: the plan and the path of the draft's page in it, or why it cannot be built. */
export type PreviewPlan = { ok: true; plan: RenderPlan; path: string } | { ok: false; issues: ContentIssue[] };

/** What the preview is computed from. */
export interface PreviewInput {
  /** The draft (or the published document when it has none), under its published id. */
  doc: SanityDocument;
  /** The live site's documents, and the assets the live site and the draft use. */
  documents: readonly SanityDocument[];
  assets: readonly SanityAsset[];
  sanity: Pick<SanityConfig, 'projectId' | 'dataset' | 'apiHost'>;
  now: Date;
  /** A rendered body from the service's cache, if it has one. */
  cachedBody?: (body: StoryBody) => Body | undefined;
  similar?: BuildSiteOptions['similar'];
  /** The live site's model: a story's preview is computed from it, in proportion to the story (see `previewStory`). */
  model?: Pick<SiteModel, 'previewStory'>;
}

/** The render plan of one document's preview (see the module comment). */
export function previewPlan(input: PreviewInput): PreviewPlan {
  const type = String(input.doc['_type']);
  // A story never published has no time yet: Publish stamps it with that moment, so the preview shows it as now.
  // Stryker disable next-line ConditionalExpression: another type's publishedAt is never read
  const unstamped = type === 'story' && (input.doc['publishedAt'] === undefined || input.doc['publishedAt'] === '');
  const doc = unstamped ? { ...input.doc, publishedAt: input.now.toISOString() } : input.doc;
  const id = String(doc['_id']);
  const where = id;
  if (!(PREVIEW_TYPES as readonly string[]).includes(type))
    return { ok: false, issues: [{ where, field: '_type', message: `a ${type} document has no page on the site` }] };
  const render = (story: { body: StoryBody }) => input.cachedBody?.(story.body) ?? renderBody(story.body);
  const quick =
    type === 'story'
      ? input.model?.previewStory({
          doc,
          documents: input.documents,
          assets: [...input.assets],
          now: input.now,
          render,
        })
      : undefined;
  // Stryker disable next-line ConditionalExpression: the whole site finds the same problems in the draft, only slower
  if (quick?.ok === false) return quick;
  if (quick?.ok) {
    const plan = { layout: { ...quick.layout, preview: true as const }, pages: [...quick.statics, quick.page] };
    return { ok: true, plan, path: quick.page.path };
  }
  // Otherwise the whole site, with the draft in it.
  // Stryker disable next-line MethodExpression,ConditionalExpression,StringLiteral: of two documents with one id the last is kept, and the draft is last
  const documents = [...input.documents.filter((d) => d['_id'] !== id), doc];
  const source = siteSourceFromDocuments({ documents, assets: [...input.assets] }, input.sanity);
  const issues = validateSite(source);
  if (issues.length > 0) return { ok: false, issues };
  // Only a story has a publishedAt (NaN for the others).
  const publishedAt = Date.parse(String(doc['publishedAt']));
  const now = new Date(Math.max(input.now.getTime(), Number.isNaN(publishedAt) ? 0 : publishedAt + 1));
  let site;
  try {
    site = buildSite(source, {
      now,
      render,
      ...(input.similar ? { similar: input.similar } : {}),
    });
  } catch (error) {
    if (error instanceof ContentError) return { ok: false, issues: error.issues };
    throw error;
  }
  const current = (doc['slug'] as { current?: unknown } | undefined)?.current;
  // The draft's own page, and its listing's (only a story's id names a story, only a listing's key a listing).
  const listing = `${type}:${typeof current === 'string' ? current : ''}`;
  const pages = sitePages(site, new PageKeyCache(), { stories: new Set([id]), listings: new Set([listing]) });
  const own = pages.find((p) => p.kind === type && p.params['page'] === undefined);
  // Sections and authors always have a page, and the site is computed as of a story's time: only a tag may not.
  if (!own)
    return {
      ok: false,
      issues: [
        {
          where,
          field: '',
          message: `the ${type} has no page on the site (a tag has one only once a published story carries it)`,
        },
      ],
    };
  return { ok: true, plan: { layout: { ...siteLayout(site), preview: true }, pages }, path: own.path };
}
