import { renderBody } from '../../src/lib/body.ts';
import { ContentError, type ContentIssue } from '../../src/lib/content-error.ts';
import { PageKeyCache, siteLayout, sitePages, type Layout, type SitePage } from '../../src/lib/pages.ts';
import type { RenderCache } from '../../src/lib/render-cache.ts';
import type { SiteDocuments } from '../../src/lib/sanity/source.ts';
import { siteSourceFromDocuments } from '../../src/lib/sanity/source.ts';
import { SimilarIndex, type SimilarInput, type SimilarLink } from '../../src/lib/similar.ts';
import { buildSite, validateSite, type RenderedBody, type Site } from '../../src/lib/site.ts';

/** Similar News of every story from one full computation, with the index it came from. */
export interface SettledSimilar {
  index: SimilarIndex;
  links: Map<string, SimilarLink[]>;
  inputs: SimilarInput[];
  /** Links per story (`SimilarOptions.limit`). */
  limit: number;
}

/**
 * The site computed from the mirror, as pages; or the content problems that stop it. `provisional` counts the
 * stories whose Similar News came from a query, `settled` says whether every list equals a full computation.
 */
export type ModelResult =
  | { ok: true; site: Site; layout: Layout; pages: SitePage[]; inputs: SimilarInput[]; provisional: number; settled: boolean; ms: number }
  | { ok: false; issues: ContentIssue[] };

/**
 * The site model, kept in the rebuild service between builds so that a publish costs work in proportion to what
 * it changed: bodies are rendered once per document revision, page keys reuse the digest of an unchanged body, and
 * Similar News reuses the last full computation ("settled"):
 * - a story whose Similar News input is unchanged, and whose links all still point at live stories, keeps its links;
 * - any other story (new, edited, or linking to a story that is gone) gets links from a query against the settled
 *   index, which ranks it with that computation's corpus statistics (`SimilarIndex.query`).
 * Such links are provisional: other stories do not list a new story yet, and rankings may drift from a full
 * computation. The service therefore recomputes everything in a worker afterwards and renders the pages whose
 * links changed (`settle`); the site then equals a full build of the same content.
 */
export class SiteModel {
  #cache: RenderCache;
  #config: { projectId: string; dataset: string; apiHost?: string };
  #bodies = new Map<string, { stamp: string; body: RenderedBody }>();
  #keys = new PageKeyCache();
  #settled: SettledSimilar | undefined;

  constructor(cache: RenderCache, config: { projectId: string; dataset: string; apiHost?: string }) {
    this.#cache = cache;
    this.#config = config;
  }

  /** Whether a full Similar News computation has been adopted (without one, `compute` needs `links`). */
  get settled(): SettledSimilar | undefined {
    return this.#settled;
  }

  /** Adopts a full Similar News computation. */
  settle(settled: SettledSimilar): void {
    this.#settled = settled;
  }

  /**
   * Computes the site from the mirror's documents. `stamp(id)` identifies a story document's revision (its `_rev`
   * and whatever its body's rendering depends on); `links`, when given, is a full Similar News computation for
   * exactly this content, used as is.
   */
  compute(input: SiteDocuments, options: { now: Date; stamp: (id: string) => string | undefined; links?: Map<string, SimilarLink[]> }): ModelResult {
    const started = performance.now();
    const source = siteSourceFromDocuments(input, this.#config);
    const issues = validateSite(source);
    if (issues.length > 0) return { ok: false, issues };
    let inputs: SimilarInput[] = [];
    let provisional = 0;
    let settled = true;
    const bodies = new Map<string, { stamp: string; body: RenderedBody }>();
    let site: Site;
    try {
      site = buildSite(source, {
        now: options.now,
        render: (story) => {
          const stamp = options.stamp(story.id) ?? '';
          const known = this.#bodies.get(story.id);
          const body = stamp && known?.stamp === stamp ? known.body : this.#cache.get(story.body, renderBody);
          bodies.set(story.id, { stamp, body });
          return body;
        },
        similar: (all, { limit }) => {
          inputs = all;
          if (options.links) return options.links;
          const settledNow = this.#settled;
          if (!settledNow) throw new Error('SiteModel.compute: no settled Similar News yet; pass `links` from a full computation');
          if (limit !== settledNow.limit)
            throw new Error(`SiteModel.compute: the settled links have ${settledNow.limit} per story, the site asks for ${limit}`);
          const result = quickSimilar(all, settledNow);
          provisional = result.provisional;
          settled = result.provisional === 0 && all.length === settledNow.inputs.length;
          return result.links;
        },
      });
    } catch (error) {
      // A body that validation let through but the renderer cannot handle is its story's problem, not a crash.
      if (error instanceof ContentError) return { ok: false, issues: error.issues };
      throw error;
    }
    this.#bodies = bodies;
    const pages = sitePages(site, this.#keys);
    this.#keys.rotate();
    return { ok: true, site, layout: siteLayout(site), pages, inputs, provisional, settled, ms: performance.now() - started };
  }
}

/** Similar News from the settled computation, re-ranking only the stories that need it (see `SiteModel`). */
function quickSimilar(inputs: readonly SimilarInput[], settled: SettledSimilar): { links: Map<string, SimilarLink[]>; provisional: number } {
  const live = new Set(inputs.map((i) => i.id));
  const gone = new Set(settled.index.ids().filter((id) => !live.has(id)));
  const before = inputsById(settled);
  const links = new Map<string, SimilarLink[]>();
  let provisional = 0;
  for (const input of inputs) {
    const previous = settled.links.get(input.id);
    const old = before.get(input.id);
    if (previous && old && sameInput(old, input) && previous.every((l) => live.has(l.id))) {
      links.set(input.id, previous);
    } else {
      links.set(input.id, settled.index.query(input, gone));
      provisional += 1;
    }
  }
  return { links, provisional };
}

const byId = new WeakMap<SettledSimilar, Map<string, SimilarInput>>();

/** The settled inputs by id, built once per settled computation rather than once per publish. */
function inputsById(settled: SettledSimilar): Map<string, SimilarInput> {
  let map = byId.get(settled);
  if (!map) byId.set(settled, (map = new Map(settled.inputs.map((i) => [i.id, i]))));
  return map;
}

function sameInput(a: SimilarInput, b: SimilarInput): boolean {
  return (
    a.title === b.title &&
    a.text === b.text &&
    a.publishedAt === b.publishedAt &&
    a.section === b.section &&
    a.tags.length === b.tags.length &&
    a.tags.every((t, i) => b.tags[i] === t) &&
    (a.pinned ?? []).join('\n') === (b.pinned ?? []).join('\n')
  );
}
