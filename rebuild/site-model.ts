import { getDraftId, type PublishedId } from '@sanity/id-utils';
import { renderBody } from '../src/lib/body/body.ts';
import { commentsByStory, type Comment } from '../src/lib/model/comment.ts';
import { ContentError, type ContentIssue } from '../src/lib/model/content-error.ts';
import {
  PageKeyCache,
  siteLayout,
  sitePages,
  STATIC_KINDS,
  storyPage,
  type Layout,
  type SitePage,
} from '../src/lib/site/pages.ts';
import type { RenderCache } from '../src/lib/body/render-cache.ts';
import type { SiteDocuments } from '../src/lib/sources/sanity/site-source.ts';
import { siteSourceFromDocuments } from '../src/lib/sources/sanity/site-source.ts';
import { sameSimilarInput, type SimilarInput, type SimilarLink } from '../src/lib/similar/options.ts';
import { SimilarIndex } from '../src/lib/similar/similar-index.ts';
import {
  buildSite,
  byNewest,
  isLive,
  toCard,
  validateSite,
  type RenderedBody,
  type Site,
  type SiteSource,
  type StoryView,
} from '../src/lib/site/site.ts';
import { buildTagVocabulary, tagIndex } from '../src/lib/model/tags.ts';
import { urls } from '../src/lib/site/urls.ts';
import { ownCardStories, shareCardPolicy } from '../src/lib/site/share-policy.ts';
import type { SanityDocument, Unchecked, UncheckedDocument } from '../src/lib/sources/sanity/documents.ts';
import type { Story, StoryReference } from '../src/lib/sources/sanity/sanity.types.ts';

/**
 * Similar News of every story from one full computation, with the index it came from (a list that points at the same
 * stories as in the computation before may keep that one's scores, which no page shows: see similar-job.ts).
 */
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
  | {
      ok: true;
      site: Site;
      layout: Layout;
      pages: SitePage[];
      inputs: SimilarInput[];
      provisional: number;
      settled: boolean;
      ms: number;
      mode: 'full' | 'incremental';
    }
  | { ok: false; issues: ContentIssue[] };

type Entry = SiteSource['stories'][number];

/** A change of more stories than this is computed in full (it costs about what a full computation does). */
const MAX_INCREMENTAL = 500;

/**
 * What the last successful computation knew, so that the next one can start from it (see `SiteModel`). The maps
 * are changed in place by an incremental computation; the site's lists are replaced, never changed.
 */
interface ModelState {
  /** Each story document's stamp, by id (valid or not, live or not). */
  stamps: Map<string, string>;
  /** The other documents (sections, tags, authors) and the assets, as one text: any change computes in full. */
  taxonomy: string;
  /** Valid stories, live or not, by id, and which id holds each slug. */
  entries: Map<string, Entry>;
  slugs: Map<string, string>;
  /** The taxonomy of the source (sections, authors, tag definitions). */
  source: Pick<SiteSource, 'sections' | 'authors' | 'tags'>;
  site: Site;
  layout: Layout;
  /** Live stories: their views, Similar News inputs and links, and the stories that link to each. */
  views: Map<string, StoryView>;
  inputs: Map<string, SimilarInput>;
  links: Map<string, SimilarLink[]>;
  linkedBy: Map<string, Set<string>>;
  /** Stories whose links came from a query rather than the settled computation. */
  provisional: Set<string>;
  /** The settled computation the links were chosen from (undefined: links given by the caller). */
  settled: SettledSimilar | undefined;
  /** Ids of the settled index that are not live: no link may point at them. */
  gone: Set<string>;
  /** Slugs that some story pins (`related`): a change to such a story computes in full. */
  pinned: Set<string>;
  /** The earliest publication time of a valid story not yet live: at that time the next computation is full. */
  nextScheduled: string | undefined;
  /** The pages, by group: `story:<id>`, `section:<slug>`, `tag:<slug>`, `author:<slug>`, and `static`. */
  groups: Map<string, SitePage[]>;
}

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
 *
 * A computation after a few stories changed is incremental: it maps, validates and builds only those stories
 * (with the same functions a full build uses), re-decides Similar News for the stories whose links it may change,
 * and recomputes the pages those stories appear on (their own, their section's, tags' and authors' listings, and
 * the routes without parameters), keeping every other page as it was. Anything else (a section, tag, author or
 * asset changed, a story pinned by another changed, a scheduled story came due, content problems, many stories
 * changed) is computed in full. At 100,000 stories that is about a second instead of twenty.
 */
export class SiteModel {
  #cache: RenderCache;
  #config: { projectId: string; dataset: string; apiHost?: string; timeZone?: string };
  /**
   * Each story's rendered body by the stamp it was rendered at. Once a computation has made the Similar News inputs,
   * the body's text is let go (`released`): the input keeps it (with the dek), and a story whose stamp is unchanged
   * has an unchanged text. At 100,000 stories that is 300 MB.
   */
  #bodies = new Map<string, Body>();
  /** The Similar News inputs of the last computation, by id (see `#bodies`). */
  #inputs = new Map<string, SimilarInput>();
  #keys = new PageKeyCache();
  #settled: SettledSimilar | undefined;
  #state: ModelState | undefined;
  /** Why the last incremental computation failed and was done in full instead (a bug to report), if one did. */
  incrementalError: unknown;

  /** `timeZone`: the zone pages print dates in (UTC by default). */
  constructor(cache: RenderCache, config: { projectId: string; dataset: string; apiHost?: string; timeZone?: string }) {
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
   * A story's draft as the live site would show it, from the last computation's state and without changing it: the
   * draft mapped and validated as a full build does, beside the live sections, tags and authors; its Similar News a
   * query against the settled index, with the live stories' cards; the live pages without parameters. Work in
   * proportion to the story, not the site. Undefined when the answer needs the whole site (no state or settled
   * Similar News yet, pins, a slug another story holds, a tag outside the vocabulary, a story marked as a draft):
   * the caller then computes the whole site with the draft in it.
   */
  previewStory(input: {
    doc: SanityDocument;
    documents: Iterable<SanityDocument>;
    assets: SiteDocuments['assets'];
    now: Date;
    render: (story: Entry['story']) => RenderedBody;
  }):
    | { ok: true; page: SitePage<'story'>; layout: Layout; statics: SitePage[] }
    | { ok: false; issues: ContentIssue[] }
    | undefined {
    const state = this.#state;
    const settled = this.#settled;
    if (state === undefined || settled === undefined) return undefined;
    const id = String(input.doc['_id']);
    const others: SanityDocument[] = [];
    for (const doc of input.documents) if (doc['_type'] !== 'story') others.push(doc);
    const source = siteSourceFromDocuments({ documents: [...others, input.doc], assets: input.assets }, this.#config);
    const issues = validateSite(source);
    if (issues.length > 0) return { ok: false, issues };
    const entry = source.stories[0];
    if (entry === undefined || entry.story.draft || entry.story.related.length > 0) return undefined;
    const holder = state.slugs.get(entry.story.slug);
    if ((holder !== undefined && holder !== id) || state.pinned.has(entry.story.slug)) return undefined;
    const { vocabulary } = buildTagVocabulary(state.source.tags);
    const known = new Set(state.source.tags.map(({ def }) => vocabulary.resolve(def.name)));
    if (entry.story.tags.some((t) => !known.has(vocabulary.resolve(t)))) return undefined;
    // Shown whatever its time: a story scheduled ahead is computed as of that time.
    const now = new Date(Math.max(input.now.getTime(), Date.parse(entry.story.publishedAt) + 1));
    let made: SimilarInput | undefined;
    let site: Site;
    try {
      site = buildSite(
        { ...source, stories: [entry] },
        {
          now,
          ...(this.#config.timeZone ? { timeZone: this.#config.timeZone } : {}),
          render: input.render,
          similar: (inputs) => {
            made = inputs[0];
            return new Map();
          },
        },
      );
    } catch (error) {
      if (error instanceof ContentError) return { ok: false, issues: error.issues };
      throw error;
    }
    const view = site.stories[0];
    if (view === undefined || made === undefined) return undefined;
    // No link to a story that is not live (the settled index may be older or newer than the state).
    const links = settled.index.query(made, new Set(settled.index.ids().filter((other) => !state.views.has(other))));
    const similar = links.flatMap((link) => {
      const other = state.views.get(link.id);
      return other ? [{ ...toCard(other), reason: link.reason }] : [];
    });
    return {
      ok: true,
      page: storyPage(
        { ...view, similar },
        state.site.comments.get(id) ?? [],
        state.site.layoutKey,
        new PageKeyCache(),
      ),
      layout: state.layout,
      statics: (state.groups.get('static') ?? []).filter((p) => STATIC_KINDS.includes(p.kind)),
    };
  }

  /**
   * Computes the site from the mirror's documents. `stamp(id)` identifies a story document's content (its `_rev`
   * and whatever its body's rendering depends on): a document with the stamp it had last time is taken to be
   * unchanged. `links`, when given, is a full Similar News computation for exactly this content, used as is.
   */
  compute(
    input: SiteDocuments,
    options: { now: Date; stamp: (id: string) => string | undefined; links?: Map<string, SimilarLink[]> },
  ): ModelResult {
    const started = performance.now();
    const state = this.#state;
    if (state !== undefined && options.links === undefined) {
      const plan = this.#plan(state, input, options);
      if (plan !== undefined) {
        try {
          const result = this.#apply(state, plan, options.now);
          return { ...result, ms: performance.now() - started, mode: 'incremental' };
        } catch (error) {
          // The state may be half changed: the full computation below starts afresh (and is right in any case).
          this.#state = undefined;
          this.incrementalError = error;
        }
      }
    }
    return this.#full(input, options, started);
  }

  /** Renders a story body, reusing the last rendering of the same revision. */
  #render(stamps: (id: string) => string, bodies: Map<string, Body>): (story: Entry['story']) => RenderedBody {
    return (story) => {
      const stamp = stamps(story.id);
      const known = this.#bodies.get(story.id);
      if (stamp && known?.stamp === stamp && (!known.released || this.#inputs.has(story.id))) {
        bodies.set(story.id, known);
        return known.body;
      }
      const body = this.#cache.get(story.body, renderBody);
      bodies.set(story.id, { stamp, body, released: false });
      return body;
    };
  }

  /**
   * The inputs a build made, with the text of each story whose body was released taken from its last input (see
   * `#bodies`): the same object when nothing else changed, so that comparisons with the settled inputs are quick.
   */
  #withTexts(inputs: SimilarInput[], bodies: Map<string, Body>): SimilarInput[] {
    return inputs.map((input) => {
      if (!bodies.get(input.id)?.released) return input;
      const old = this.#inputs.get(input.id);
      if (old === undefined) throw new Error(`SiteModel: no text for story ${input.id}`);
      return sameSimilarInput({ ...input, text: old.text }, old) ? old : { ...input, text: old.text };
    });
  }

  /** Lets go of the texts of the bodies just rendered, now that the inputs hold them (see `#bodies`). */
  #release(bodies: Iterable<[string, Body]>): void {
    for (const [id, body] of bodies) {
      if (!body.released)
        this.#bodies.set(id, { stamp: body.stamp, body: { html: body.body.html, text: '' }, released: true });
    }
    this.#cache.release();
  }

  /** The whole site from every document, as a full build computes it; records the state for the next computation. */
  #full(
    input: SiteDocuments,
    options: { now: Date; stamp: (id: string) => string | undefined; links?: Map<string, SimilarLink[]> },
    started: number,
  ): ModelResult {
    this.#state = undefined;
    const source = siteSourceFromDocuments(input, this.#config);
    const issues = validateSite(source);
    if (issues.length > 0) return { ok: false, issues };
    let inputs: SimilarInput[] = [];
    let links = new Map<string, SimilarLink[]>();
    let provisional = new Set<string>();
    let settled = true;
    const bodies = new Map<string, Body>();
    const settledNow = options.links ? undefined : this.#settled;
    let site: Site;
    try {
      site = buildSite(source, {
        now: options.now,
        ...(this.#config.timeZone ? { timeZone: this.#config.timeZone } : {}),
        render: this.#render((id) => options.stamp(id) ?? '', bodies),
        similar: (made, { limit }) => {
          const all = this.#withTexts(made, bodies);
          inputs = all;
          if (options.links) return (links = options.links);
          if (!settledNow)
            throw new Error('SiteModel.compute: no settled Similar News yet; pass `links` from a full computation');
          if (limit !== settledNow.limit)
            throw new Error(
              `SiteModel.compute: the settled links have ${settledNow.limit} per story, the site asks for ${limit}`,
            );
          const result = quickSimilar(all, settledNow);
          provisional = result.provisional;
          links = result.links;
          settled = result.provisional.size === 0 && all.length === settledNow.inputs.length;
          return result.links;
        },
      });
    } catch (error) {
      // A body that validation let through but the renderer cannot handle is its story's problem, not a crash.
      if (error instanceof ContentError) return { ok: false, issues: error.issues };
      throw error;
    }
    this.#bodies = bodies;
    this.#inputs = new Map(inputs.map((i) => [i.id, i]));
    this.#release(bodies);
    const pages = sitePages(site, this.#keys);
    this.#keys.rotate();
    const layout = siteLayout(site);
    this.#state = fullState(input, options, source, site, layout, inputs, links, provisional, settledNow, pages);
    return {
      ok: true,
      site,
      layout,
      pages,
      inputs,
      provisional: provisional.size,
      settled,
      ms: performance.now() - started,
      mode: 'full',
    };
  }

  /**
   * What an incremental computation would change, or undefined when the computation must be full. Changes nothing.
   */
  #plan(
    state: ModelState,
    input: SiteDocuments,
    options: { now: Date; stamp: (id: string) => string | undefined },
  ): IncrementalPlan | undefined {
    const settled = this.#settled;
    if (
      settled === undefined ||
      (state.nextScheduled !== undefined && state.nextScheduled <= options.now.toISOString())
    )
      return undefined;
    const others: SanityDocument[] = [];
    const changed: SanityDocument[] = [];
    const seen = new Set<string>();
    const comments: SanityDocument[] = [];
    for (const doc of input.documents) {
      const id = String(doc['_id']);
      // Comments change only their story's page (see `#apply`), never the taxonomy.
      if (doc['_type'] === 'comment') {
        comments.push(doc);
        continue;
      }
      if (doc['_type'] !== 'story') {
        others.push(doc);
        continue;
      }
      seen.add(id);
      if (state.stamps.get(id) !== (options.stamp(id) ?? '')) {
        changed.push(doc);
        if (changed.length > MAX_INCREMENTAL) return undefined;
      }
    }
    const removed: string[] = [];
    const added = changed.filter((d) => !state.stamps.has(String(d['_id']))).length;
    if (seen.size - added !== state.stamps.size) {
      for (const id of state.stamps.keys()) if (!seen.has(id)) removed.push(id);
    }
    if (changed.length + removed.length > MAX_INCREMENTAL) return undefined;
    if (taxonomyText(others, input.assets) !== state.taxonomy) return undefined;
    // Pins resolve against other stories' slugs: a story that pins or is pinned is computed in full; so is a draft,
    // which overlays its published document (preview), or a document that has a draft.
    for (const id of [...changed.map((d) => String(d['_id'])), ...removed]) {
      if (id.includes('.') || state.stamps.has(getDraftId(id as PublishedId))) return undefined;
      const old = state.entries.get(id);
      if (old && (old.story.related.length > 0 || state.pinned.has(old.story.slug))) return undefined;
      if (!old && state.stamps.has(id)) return undefined; // it was invalid: the full computation reports it
    }
    for (const doc of changed as UncheckedDocument<Story>[])
      if (Array.isArray(doc.related) && doc.related.length > 0) return undefined;
    // A pin on a document that was left out (invalid, or not there yet) resolved to nothing, so `pinned` lacks its
    // slug: any document pinning a changed or removed one by reference is computed in full too.
    const touched = new Set([...changed.map((d) => String(d['_id'])), ...removed]);
    for (const doc of input.documents as UncheckedDocument<Story>[]) {
      const related = doc.related;
      if (
        Array.isArray(related) &&
        related.some((r) => touched.has(String((r as Unchecked<StoryReference> | undefined)?._ref)))
      )
        return undefined;
    }
    // The changed stories, mapped and validated by the functions a full build uses, beside the taxonomy.
    const source = siteSourceFromDocuments({ documents: [...others, ...changed], assets: input.assets }, this.#config);
    if (source.issues.length > 0 || source.rejected.length > 0 || validateSite(source).length > 0) return undefined;
    // Slugs stay unique across the whole site.
    const leaving = new Set([...changed.map((d) => String(d['_id'])), ...removed]);
    for (const { story } of source.stories) {
      const holder = state.slugs.get(story.slug);
      if (holder !== undefined && !leaving.has(holder)) return undefined;
      if (story.related.length > 0 || state.pinned.has(story.slug)) return undefined;
    }
    // Tags outside the vocabulary are named by their first spelling across the site: computed in full.
    const { vocabulary } = buildTagVocabulary(state.source.tags);
    const known = new Set(state.source.tags.map(({ def }) => vocabulary.resolve(def.name)));
    for (const { story } of source.stories)
      if (story.tags.some((t) => !known.has(vocabulary.resolve(t)))) return undefined;
    return {
      entries: source.stories,
      comments: siteSourceFromDocuments({ documents: comments, assets: [] }, this.#config).comments ?? [],
      removed,
      changedIds: changed.map((d) => String(d['_id'])),
      stamps: new Map(changed.map((d) => [String(d['_id']), options.stamp(String(d['_id'])) ?? ''])),
      settled,
    };
  }

  /** Applies an incremental plan to the state (see `SiteModel`). */
  #apply(state: ModelState, plan: IncrementalPlan, now: Date): Omit<Extract<ModelResult, { ok: true }>, 'ms' | 'mode'> {
    const { settled } = plan;
    const iso = now.toISOString();
    // 1. Stories: the changed ones leave, and come back as their new versions.
    const oldViews = new Map<string, StoryView>();
    let rescanSchedule = false;
    for (const id of [...plan.changedIds, ...plan.removed]) {
      const old = state.entries.get(id);
      if (old) {
        state.slugs.delete(old.story.slug);
        if (!state.views.has(id) && !old.story.draft) rescanSchedule = true;
      }
      state.entries.delete(id);
      const view = state.views.get(id);
      if (view) oldViews.set(id, view);
      state.views.delete(id);
      state.inputs.delete(id);
      this.#bodies.delete(id);
    }
    for (const id of plan.removed) state.stamps.delete(id);
    for (const [id, stamp] of plan.stamps) state.stamps.set(id, stamp);
    const live: Entry[] = [];
    for (const entry of plan.entries) {
      state.entries.set(entry.story.id, entry);
      state.slugs.set(entry.story.slug, entry.story.id);
      if (isLive(entry.story, now)) live.push(entry);
      else if (
        !entry.story.draft &&
        (state.nextScheduled === undefined || entry.story.publishedAt < state.nextScheduled)
      )
        state.nextScheduled = entry.story.publishedAt;
    }
    if (rescanSchedule) state.nextScheduled = nextScheduled(state.entries.values(), iso);
    // Their views and Similar News inputs, from the function a full build uses, over just these stories.
    let newInputs: SimilarInput[] = [];
    const bodies = new Map<string, Body>();
    const mini = buildSite(
      { ...state.source, stories: live, rejected: [], issues: [] },
      {
        now,
        render: this.#render((id) => state.stamps.get(id) ?? '', bodies),
        similar: (inputs) => {
          newInputs = inputs;
          return new Map();
        },
      },
    );
    for (const [id, body] of bodies) this.#bodies.set(id, body);
    for (const input of newInputs)
      if (bodies.get(input.id)?.released) throw new Error(`SiteModel: story ${input.id} changed but kept its body`);
    const changedViews = new Map(mini.stories.map((view) => [view.id, view]));
    for (const view of mini.stories) state.views.set(view.id, view);
    for (const input of newInputs) state.inputs.set(input.id, input);

    // 2. Similar News: decided again for the stories whose links may change (see `quickSimilar` for the rule).
    const gone = new Set(settled.index.ids().filter((id) => !state.views.has(id)));
    const goneChanged = gone.size !== state.gone.size || [...gone].some((id) => !state.gone.has(id));
    const decide = new Set<string>(changedViews.keys());
    if (settled !== state.settled) for (const id of state.views.keys()) decide.add(id);
    for (const id of oldViews.keys())
      if (!state.views.has(id)) for (const linker of state.linkedBy.get(id) ?? []) decide.add(linker);
    if (goneChanged) for (const id of state.provisional) decide.add(id);
    const settledInputs = inputsById(settled);
    const relinked = new Set<string>();
    for (const id of decide) {
      const input = state.inputs.get(id);
      if (input === undefined) continue;
      const previous = settled.links.get(id);
      const old = settledInputs.get(id);
      let links: SimilarLink[];
      if (previous && old && sameSimilarInput(old, input) && previous.every((l) => state.views.has(l.id))) {
        links = previous;
        state.provisional.delete(id);
      } else {
        links = settled.index.query(input, gone);
        state.provisional.add(id);
      }
      // Pages show a link's story and reason, not its score, which moves a little with every recomputation (the
      // corpus statistics change): a story whose links point where they did keeps its view and its pages.
      const before = state.links.get(id);
      if (before === undefined || !sameTargets(before, links)) {
        relinked.add(id);
        for (const link of before ?? []) state.linkedBy.get(link.id)?.delete(id);
        for (const link of links) linkOf(state.linkedBy, link.id).add(id);
        state.links.set(id, links);
      }
    }
    for (const id of oldViews.keys()) {
      if (state.views.has(id)) continue;
      for (const link of state.links.get(id) ?? []) state.linkedBy.get(link.id)?.delete(id);
      state.links.delete(id);
      state.provisional.delete(id);
    }
    state.gone = gone;
    state.settled = settled;
    // Stories that show a changed story's card, or whose own links changed, get new Similar News cards.
    const recard = new Set<string>(relinked);
    for (const id of changedViews.keys()) for (const linker of state.linkedBy.get(id) ?? []) recard.add(linker);
    for (const id of changedViews.keys()) recard.add(id);
    const replaced = new Map<string, StoryView>();
    for (const id of recard) {
      const view = state.views.get(id);
      if (view === undefined) continue;
      const similar = (state.links.get(id) ?? []).flatMap((link) => {
        const other = state.views.get(link.id);
        return other ? [{ ...toCard(other), reason: link.reason }] : [];
      });
      const fresh = changedViews.has(id) ? Object.assign(view, { similar }) : { ...view, similar };
      state.views.set(id, fresh);
      if (!changedViews.has(id)) replaced.set(id, fresh);
    }
    for (const [id, view] of changedViews) changedViews.set(id, state.views.get(id) ?? view);

    // 3. The site's lists: the changed stories move, the re-carded ones are replaced where they are.
    const edits = new Map<
      string,
      { remove: [string, StoryView][]; replace: [string, StoryView][]; insert: StoryView[] }
    >();
    const editsOf = (key: string) => {
      let edit = edits.get(key);
      if (!edit) edits.set(key, (edit = { remove: [], replace: [], insert: [] }));
      return edit;
    };
    const listsOf = (view: StoryView) =>
      new Set([
        'stories',
        `section:${view.section.slug}`,
        ...view.tags.map((t) => `tag:${t.slug}`),
        ...view.authors.map((a) => `author:${a.slug}`),
      ]);
    // The listings whose pages change: those a changed story leaves or joins (a card only shows card fields).
    const listings = new Set<string>();
    for (const [id, old] of oldViews) {
      for (const key of listsOf(old)) {
        editsOf(key).remove.push([id, old]);
        listings.add(key);
      }
    }
    for (const view of changedViews.values()) {
      for (const key of listsOf(view)) {
        editsOf(key).insert.push(view);
        listings.add(key);
      }
    }
    for (const [id, view] of replaced) for (const key of listsOf(view)) editsOf(key).replace.push([id, view]);
    listings.delete('stories');
    const edit = (key: string, list: readonly StoryView[]): StoryView[] => {
      const change = edits.get(key);
      if (!change) return list as StoryView[];
      const out = [...list];
      for (const [id, old] of change.remove) remove(out, old, id);
      for (const [id, view] of change.replace) out[findOrFail(out, view, id)] = view;
      for (const view of change.insert) insert(out, view);
      return out;
    };
    const previousSite = state.site;
    const stories = edit('stories', previousSite.stories);
    const sections = previousSite.sections.map((s) =>
      edits.has(`section:${s.slug}`) ? { ...s, stories: edit(`section:${s.slug}`, s.stories) } : s,
    );
    const authors = previousSite.authors.map((a) =>
      edits.has(`author:${a.slug}`) ? { ...a, stories: edit(`author:${a.slug}`, a.stories) } : a,
    );
    const { vocabulary } = buildTagVocabulary(state.source.tags);
    const tagsBySlug = new Map(previousSite.tags.map((t) => [t.slug, t]));
    for (const key of edits.keys()) {
      if (!key.startsWith('tag:')) continue;
      const slug = key.slice('tag:'.length);
      const entry = tagsBySlug.get(slug);
      const list = edit(key, entry?.stories ?? []);
      if (list.length === 0) tagsBySlug.delete(slug);
      // As buildSite makes it: the tag as the vocabulary has it, its count, its URL and its stories.
      else if (entry === undefined || entry.count !== list.length)
        tagsBySlug.set(slug, { ...vocabulary.resolve(slug), count: list.length, url: urls.tag(slug), stories: list });
      else tagsBySlug.set(slug, { ...entry, stories: list });
    }
    const tags = [...tagsBySlug.values()].sort((a, b) => a.slug.localeCompare(b.slug));
    // Approved comments, all of them (a map of a few per story); a story whose list changed gets its page again.
    const comments = commentsByStory(plan.comments);
    const recommented = new Set<string>();
    for (const id of new Set([...previousSite.comments.keys(), ...comments.keys()]))
      if (JSON.stringify(previousSite.comments.get(id)) !== JSON.stringify(comments.get(id))) recommented.add(id);
    const site: Site = {
      stories,
      sections,
      authors,
      tags,
      tagIndex: tagIndex(tags),
      timeZone: previousSite.timeZone,
      now: iso,
      layoutKey: previousSite.layoutKey,
      comments,
    };
    state.site = site;

    // 4. Pages: those of the changed and re-carded stories, of the listings they are on, and the routes without
    // parameters; the others are kept.
    const storyIds = new Set([...changedViews.keys(), ...replaced.keys()]);
    for (const id of recommented) if (state.views.has(id)) storyIds.add(id);
    // And of the stories that got or lost a share card of their own as time passed or newer stories came.
    const policy = shareCardPolicy();
    const ownBefore = ownCardStories(previousSite.stories, previousSite.now, policy);
    const ownAfter = ownCardStories(site.stories, site.now, policy);
    for (const id of ownBefore) if (!ownAfter.has(id) && state.views.has(id)) storyIds.add(id);
    for (const id of ownAfter) if (!ownBefore.has(id)) storyIds.add(id);
    const fresh = sitePages(site, this.#keys, { stories: storyIds, listings });
    for (const id of oldViews.keys()) state.groups.delete(`story:${id}`);
    for (const id of storyIds) state.groups.delete(`story:${id}`);
    for (const key of listings) state.groups.delete(key);
    state.groups.delete('static');
    for (const page of fresh) {
      const group = groupOf(page);
      const list = state.groups.get(group);
      if (list) list.push(page);
      else state.groups.set(group, [page]);
    }
    const pages = pagesInOrder(site, state.groups);
    const inputs = [...state.inputs.values()];
    this.#inputs = state.inputs;
    this.#release(bodies);
    return {
      ok: true,
      site,
      layout: state.layout,
      pages,
      inputs,
      provisional: state.provisional.size,
      settled: state.provisional.size === 0 && inputs.length === settled.inputs.length,
    };
  }
}

/** A rendered body, the stamp of the story revision it is of, and whether its text was let go. */
interface Body {
  stamp: string;
  body: RenderedBody;
  released: boolean;
}

/** An incremental computation's input: the changed stories, mapped and valid, and the ids gone. */
interface IncrementalPlan {
  entries: Entry[];
  /** Every approved comment, as the mapping reads them. */
  comments: Comment[];
  changedIds: string[];
  removed: string[];
  stamps: Map<string, string>;
  settled: SettledSimilar;
}

/** The state after a full computation. */
function fullState(
  input: SiteDocuments,
  options: { stamp: (id: string) => string | undefined },
  source: SiteSource,
  site: Site,
  layout: Layout,
  inputs: SimilarInput[],
  links: Map<string, SimilarLink[]>,
  provisional: Set<string>,
  settled: SettledSimilar | undefined,
  pages: SitePage[],
): ModelState | undefined {
  const { vocabulary } = buildTagVocabulary(source.tags);
  const known = new Set(source.tags.map(({ def }) => vocabulary.resolve(def.name).slug));
  // Tags outside the vocabulary are named across the whole site: such a site is always computed in full.
  if (site.tags.some((t) => !known.has(t.slug))) return undefined;
  const stamps = new Map<string, string>();
  const others: SanityDocument[] = [];
  for (const doc of input.documents) {
    const id = String(doc['_id']);
    if (doc['_type'] === 'story') stamps.set(id, options.stamp(id) ?? '');
    else if (doc['_type'] !== 'comment') others.push(doc);
  }
  const entries = new Map(source.stories.map((entry) => [entry.story.id, entry]));
  const views = new Map(site.stories.map((view) => [view.id, view]));
  const linkedBy = new Map<string, Set<string>>();
  const live = new Map<string, SimilarLink[]>();
  for (const view of site.stories) {
    const list = links.get(view.id) ?? [];
    live.set(view.id, list);
    for (const link of list) linkOf(linkedBy, link.id).add(view.id);
  }
  const groups = new Map<string, SitePage[]>();
  for (const page of pages) {
    const group = groupOf(page);
    const list = groups.get(group);
    if (list) list.push(page);
    else groups.set(group, [page]);
  }
  const iso = new Date().toISOString();
  return {
    stamps,
    taxonomy: taxonomyText(others, input.assets),
    entries,
    slugs: new Map(source.stories.map(({ story }) => [story.slug, story.id])),
    source: { sections: source.sections, authors: source.authors, tags: source.tags },
    site,
    layout,
    views,
    inputs: new Map(inputs.map((i) => [i.id, i])),
    links: live,
    linkedBy,
    provisional,
    settled,
    gone: new Set(settled ? settled.index.ids().filter((id) => !views.has(id)) : []),
    pinned: new Set(source.stories.flatMap(({ story }) => story.related)),
    nextScheduled: nextScheduled(entries.values(), iso, views),
    groups,
  };
}

/** The earliest publication time of a valid, not draft, not live story (`live`: the live ones, if known). */
function nextScheduled(entries: Iterable<Entry>, iso: string, live?: Map<string, unknown>): string | undefined {
  let next: string | undefined;
  for (const { story } of entries) {
    if (story.draft || (live ? live.has(story.id) : story.publishedAt <= iso)) continue;
    if (next === undefined || story.publishedAt < next) next = story.publishedAt;
  }
  return next;
}

/** The documents other than stories, and the assets, as one text to compare. */
function taxonomyText(others: SanityDocument[], assets: SiteDocuments['assets']): string {
  return JSON.stringify([
    others.map((d) => [d['_id'], d['_rev'] ?? d]).sort((a, b) => (String(a[0]) < String(b[0]) ? -1 : 1)),
    assets,
  ]);
}

function linkOf(map: Map<string, Set<string>>, id: string): Set<string> {
  let set = map.get(id);
  if (!set) map.set(id, (set = new Set()));
  return set;
}

/** The group a page belongs to (see `ModelState.groups`). */
function groupOf(page: SitePage): string {
  if (page.kind === 'story') return `story:${(page as SitePage<'story'>).props.story.id}`;
  // A story's share image comes and goes with its page.
  if (page.kind === 'share') return `story:${(page as SitePage<'share'>).props.id}`;
  // A raster image's variants go with the first story that shows it.
  if (page.kind === 'contentImage') return `story:${(page as SitePage<'contentImage'>).props.id}`;
  // A section's card goes with its pages.
  if (page.kind === 'shareSection') return `section:${page.params['slug'] ?? ''}`;
  if (page.kind === 'section' || page.kind === 'tag' || page.kind === 'author')
    return `${page.kind}:${page.params['slug'] ?? ''}`;
  // A listing's feeds go with its pages.
  if (page.kind === 'listingRss' || page.kind === 'listingJsonFeed') {
    const kind = page.params['dir'] === 'tags' ? 'tag' : page.params['dir'] === 'authors' ? 'author' : 'section';
    return `${kind}:${page.params['slug'] ?? ''}`;
  }
  return 'static';
}

/** Every page, in `sitePages` order. */
function pagesInOrder(site: Site, groups: Map<string, SitePage[]>): SitePage[] {
  const pages: SitePage[] = [];
  const statics = groups.get('static') ?? [];
  const home = statics.filter((p) => p.kind === 'home');
  pages.push(...home);
  const add = (key: string) => {
    for (const page of groups.get(key) ?? []) pages.push(page);
  };
  for (const story of site.stories) add(`story:${story.id}`);
  for (const section of site.sections) add(`section:${section.slug}`);
  for (const tag of site.tags) add(`tag:${tag.slug}`);
  for (const author of site.authors) add(`author:${author.slug}`);
  for (const page of statics) if (page.kind !== 'home') pages.push(page);
  return pages;
}

/** The position of `view` (by its sort order, then id) in a newest-first list, or -1. */
function find(list: readonly StoryView[], view: StoryView, id: string): number {
  let low = 0;
  let high = list.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (byNewest(list[mid] as StoryView, view) < 0) low = mid + 1;
    else high = mid;
  }
  return list[low]?.id === id ? low : list.findIndex((v) => v.id === id);
}

function findOrFail(list: readonly StoryView[], view: StoryView, id: string): number {
  const at = find(list, view, id);
  if (at < 0) throw new Error(`SiteModel: story ${id} is missing from a list it belongs to`);
  return at;
}

function remove(list: StoryView[], view: StoryView, id: string): void {
  list.splice(findOrFail(list, view, id), 1);
}

function insert(list: StoryView[], view: StoryView): void {
  let low = 0;
  let high = list.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (byNewest(list[mid] as StoryView, view) <= 0) low = mid + 1;
    else high = mid;
  }
  list.splice(low, 0, view);
}

/** Similar News from the settled computation, re-ranking only the stories that need it (see `SiteModel`). */
export function quickSimilar(
  inputs: readonly SimilarInput[],
  settled: SettledSimilar,
): { links: Map<string, SimilarLink[]>; provisional: Set<string> } {
  const live = new Set(inputs.map((i) => i.id));
  const gone = new Set(settled.index.ids().filter((id) => !live.has(id)));
  const before = inputsById(settled);
  const links = new Map<string, SimilarLink[]>();
  const provisional = new Set<string>();
  for (const input of inputs) {
    const previous = settled.links.get(input.id);
    const old = before.get(input.id);
    if (previous && old && sameSimilarInput(old, input) && previous.every((l) => live.has(l.id))) {
      links.set(input.id, previous);
    } else {
      links.set(input.id, settled.index.query(input, gone));
      provisional.add(input.id);
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

/** Whether two link lists show the same stories for the same reasons, in the same order (scores aside). */
function sameTargets(a: readonly SimilarLink[], b: readonly SimilarLink[]): boolean {
  return (
    a === b || (a.length === b.length && a.every((link, i) => link.id === b[i]?.id && link.reason === b[i]?.reason))
  );
}
