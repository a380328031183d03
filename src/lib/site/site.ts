import type { z } from 'zod';
import { cacheKey } from '../body/cache-key.ts';
import { commentsByStory, type Comment, type CommentView } from '../model/comment.ts';
import { ContentError, type ContentIssue } from '../model/content-error.ts';
import type { SimilarInput, SimilarLink } from '../similar/options.ts';
import { findSimilar } from '../similar/similar-index.ts';
import type { Story, StoryRefs } from '../model/story.ts';
import { buildTagVocabulary, tagIndex, type Tag, type TagCount, type tagDefSchema } from '../model/tags.ts';
import type { Author, Section } from '../model/taxonomy.ts';
import type { StoryImage } from './content-image.ts';
import { DEFAULT_TIME_ZONE } from './dates.ts';
import { urls } from './urls.ts';

/** Everything a content source (files or Sanity) hands over, with where each entry came from. */
export interface SiteSource {
  stories: { story: Story; where: string }[];
  /** Stories that failed validation: their references are still checked, so one run reports every problem. */
  rejected: { where: string; refs: StoryRefs }[];
  sections: { def: Section; where: string }[];
  authors: { def: Author; where: string }[];
  tags: { def: z.output<typeof tagDefSchema>; where: string }[];
  /** Problems the source found while reading (malformed files, invalid fields). */
  issues: ContentIssue[];
  /** Approved comments (a source without any leaves this out). */
  comments?: Comment[];
}

/** A story's body rendered to sanitized HTML, and its plain text. */
export interface RenderedBody {
  html: string;
  text: string;
}

/** A link to another story, as listings and Similar News show it. */
export interface StoryCard {
  id: string;
  slug: string;
  url: string;
  title: string;
  dek: string;
  publishedAt: string;
  updatedAt?: string;
  section: { slug: string; name: string; url: string };
  image?: StoryImage;
}

/** A Similar News link: the card, and whether it was pinned, similar or a fallback. */
export interface SimilarItem extends StoryCard {
  reason: SimilarLink['reason'];
}

/** Everything a story page shows. */
export interface StoryView extends StoryCard {
  updateNote?: string;
  tags: { slug: string; name: string; url: string }[];
  authors: { slug: string; name: string; url: string }[];
  source?: { name: string; url: string };
  seo?: Story['seo'];
  html: string;
  similar: SimilarItem[];
  /** Set when readers may no longer comment. */
  commentsClosed?: true;
}

/** The whole site, computed once per build. */
export interface Site {
  /** Published stories, newest first (ties: id). */
  stories: StoryView[];
  sections: (Section & { url: string; stories: StoryView[] })[];
  authors: (Author & { url: string; stories: StoryView[] })[];
  tags: (TagCount & { url: string; stories: StoryView[] })[];
  tagIndex: ReturnType<typeof tagIndex<TagCount & { url: string; stories: StoryView[] }>>;
  /** The time zone pages print dates in (`NEWS_TIME_ZONE`; see dates.ts). */
  timeZone: string;
  /** A digest of what every page's layout shows (the section navigation, the time zone), part of every page's key. */
  layoutKey: string;
  /** The moment the site is built as of (ISO 8601): the news sitemap lists the stories of the 48 hours before it. */
  now: string;
  /** Approved comments by story id, oldest first; a story without any has no entry. */
  comments: ReadonlyMap<string, CommentView[]>;
}

/** Options for `buildSite`. */
export interface BuildSiteOptions {
  /** Stories published after this instant are scheduled and left out. */
  now: Date;
  /** Renders a story body; called once per published story. */
  render: (story: Story) => RenderedBody;
  similarLimit?: number;
  /**
   * Computes Similar News from every live story's input; `findSimilar` by default. The rebuild service passes its
   * own, which reuses earlier results (rebuild/site-model.ts).
   */
  similar?: (inputs: SimilarInput[], options: { limit: number }) => Map<string, SimilarLink[]>;
  /** Filled with the milliseconds spent rendering bodies and computing Similar News. */
  timings?: { render: number; similar: number };
  /** The time zone pages print dates in; UTC by default. */
  timeZone?: string;
}

/** Newest first; ties broken by id so that two builds order stories the same way. */
export function byNewest(a: { publishedAt: string; id: string }, b: { publishedAt: string; id: string }): number {
  return a.publishedAt < b.publishedAt ? 1 : a.publishedAt > b.publishedAt ? -1 : a.id.localeCompare(b.id);
}

/**
 * Checks what no single entry can: unique slugs, known sections, authors and pinned stories, tag folding.
 * Returns every issue, the source's own first.
 */
export function validateSite(source: SiteSource): ContentIssue[] {
  const issues = [...source.issues];
  const { issues: tagIssues } = buildTagVocabulary(source.tags);
  issues.push(...tagIssues);
  issues.push(
    ...duplicates(
      source.sections.map((s) => ({ key: s.def.slug, where: s.where })),
      'slug',
      'section',
    ),
  );
  issues.push(
    ...duplicates(
      source.authors.map((a) => ({ key: a.def.slug, where: a.where })),
      'slug',
      'author',
    ),
  );
  const all: { where: string; refs: StoryRefs }[] = [
    ...source.stories.map(({ story, where }) => ({ where, refs: story })),
    ...source.rejected,
  ];
  all.sort((a, b) => a.where.localeCompare(b.where));
  issues.push(
    ...duplicates(
      all.flatMap(({ refs, where }) => (refs.slug ? [{ key: refs.slug, where }] : [])),
      'slug',
      'story',
    ),
  );

  const sectionSlugs = new Set(source.sections.map((s) => s.def.slug));
  const authorSlugs = new Set(source.authors.map((a) => a.def.slug));
  const storySlugs = new Set(all.flatMap(({ refs }) => refs.slug ?? []));
  for (const { refs, where } of all) {
    if (refs.section !== undefined && !sectionSlugs.has(refs.section)) {
      issues.push({
        where,
        field: 'section',
        message: `unknown section "${refs.section}"`,
        hint: `known sections: ${[...sectionSlugs].sort().join(', ')}`,
      });
    }
    refs.authors?.forEach((author, i) => {
      if (!authorSlugs.has(author)) {
        issues.push({
          where,
          field: `authors[${i}]`,
          message: `unknown author "${author}"`,
          hint: `known authors: ${[...authorSlugs].sort().join(', ')}`,
        });
      }
    });
    refs.related?.forEach((slug, i) => {
      if (!storySlugs.has(slug))
        issues.push({ where, field: `related[${i}]`, message: `no story has the slug "${slug}"` });
      else if (slug === refs.slug)
        issues.push({ where, field: `related[${i}]`, message: 'a story cannot be pinned as related to itself' });
    });
  }
  // One list, grouped by entry, so an editor can work through it file by file.
  return issues.sort((a, b) => a.where.localeCompare(b.where));
}

function duplicates(entries: { key: string; where: string }[], field: string, kind: string): ContentIssue[] {
  const first = new Map<string, string>();
  const issues: ContentIssue[] = [];
  for (const { key, where } of entries) {
    const seen = first.get(key);
    if (seen)
      issues.push({
        where,
        field,
        message: `the ${kind} ${field} "${key}" is already used by ${seen}`,
        hint: `give each ${kind} its own ${field}`,
      });
    else first.set(key, where);
  }
  return issues;
}

/** Whether a story is live at `now`: not a draft, and not scheduled for later. */
export function isLive(story: Pick<Story, 'draft' | 'publishedAt'>, now: Date): boolean {
  return !story.draft && story.publishedAt <= now.toISOString();
}

/** Builds the site model from valid content (call `validateSite` first): listings, tags, Similar News. */
export function buildSite(source: SiteSource, options: BuildSiteOptions): Site {
  const started = performance.now();
  const timeZone = options.timeZone ?? DEFAULT_TIME_ZONE;
  const { vocabulary } = buildTagVocabulary(source.tags);
  const sections = new Map(source.sections.map(({ def }) => [def.slug, def]));
  const authors = new Map(source.authors.map(({ def }) => [def.slug, def]));

  // Id order makes the first spelling of an ad-hoc tag, and so its display name, the same in every build.
  const live = source.stories
    .map((s) => s.story)
    .filter((s) => isLive(s, options.now))
    .sort((a, b) => a.id.localeCompare(b.id));

  const views: StoryView[] = [];
  const texts = new Map<string, string>();
  const whereOf = new Map(source.stories.map(({ story, where }) => [story.id, where]));
  const renderIssues: ContentIssue[] = [];
  for (const story of live) {
    const section = sections.get(story.section) ?? { slug: story.section, name: story.section };
    const card: StoryCard = {
      id: story.id,
      slug: story.slug,
      url: urls.story(story.slug),
      title: story.title,
      dek: story.dek,
      publishedAt: story.publishedAt,
      ...(story.updatedAt ? { updatedAt: story.updatedAt } : {}),
      section: { slug: section.slug, name: section.name, url: urls.section(section.slug) },
      ...(story.image ? { image: story.image } : {}),
    };
    const tags = uniqueBySlug(story.tags.map((t) => vocabulary.resolve(t)));
    const { html, text } = renderSafely(story, options.render, whereOf.get(story.id) ?? story.id, renderIssues);
    texts.set(story.id, text);
    views.push({
      ...card,
      ...(story.updateNote ? { updateNote: story.updateNote } : {}),
      tags: tags.map((t) => ({ slug: t.slug, name: t.name, url: urls.tag(t.slug) })),
      authors: story.authors.map((slug) => ({ slug, name: authors.get(slug)?.name ?? slug, url: urls.author(slug) })),
      ...(story.source ? { source: story.source } : {}),
      ...(story.seo ? { seo: story.seo } : {}),
      html,
      similar: [],
      ...(story.commentsClosed ? { commentsClosed: true as const } : {}),
    });
  }

  if (renderIssues.length > 0) throw new ContentError(renderIssues);
  const renderDone = performance.now();
  const idBySlug = new Map(live.map((s) => [s.slug, s.id]));
  const similarOf = options.similar ?? findSimilar;
  const similar = similarOf(
    live.map((story, i) => ({
      id: story.id,
      title: story.title,
      text: `${story.dek} ${texts.get(story.id) ?? ''}`,
      tags: views[i]?.tags.map((t) => t.slug) ?? [],
      publishedAt: story.publishedAt,
      section: story.section,
      pinned: story.related.flatMap((slug) => idBySlug.get(slug) ?? []),
    })),
    { limit: options.similarLimit ?? 5 },
  );
  if (options.timings) {
    options.timings.render = renderDone - started;
    options.timings.similar = performance.now() - renderDone;
  }
  const byId = new Map(views.map((v) => [v.id, v]));
  for (const view of views) {
    view.similar = (similar.get(view.id) ?? []).flatMap((link) => {
      const other = byId.get(link.id);
      return other ? [{ ...toCard(other), reason: link.reason }] : [];
    });
  }

  views.sort(byNewest);
  const tagStories = new Map<string, { tag: Tag; stories: StoryView[] }>();
  for (const view of views) {
    for (const t of view.tags) {
      const entry = tagStories.get(t.slug) ?? { tag: vocabulary.resolve(t.slug), stories: [] };
      entry.stories.push(view);
      tagStories.set(t.slug, entry);
    }
  }
  const tags = [...tagStories.values()]
    .map(({ tag, stories }) => ({ ...tag, count: stories.length, url: urls.tag(tag.slug), stories }))
    .sort((a, b) => a.slug.localeCompare(b.slug));

  const sectionList = source.sections.map(({ def }) => ({
    ...def,
    url: urls.section(def.slug),
    stories: views.filter((v) => v.section.slug === def.slug),
  }));
  return {
    stories: views,
    sections: sectionList,
    authors: source.authors.map(({ def }) => ({
      ...def,
      url: urls.author(def.slug),
      stories: views.filter((v) => v.authors.some((a) => a.slug === def.slug)),
    })),
    tags,
    tagIndex: tagIndex(tags),
    timeZone,
    now: options.now.toISOString(),
    layoutKey: cacheKey(
      timeZone,
      sectionList.map((s) => [s.slug, s.name]),
    ),
    comments: commentsByStory(source.comments ?? []),
  };
}

/** When the next scheduled story goes live (ISO 8601), if any: the site changes then, with no edit. */
export function nextScheduled(source: SiteSource, now: Date): string | undefined {
  const at = now.toISOString();
  let next: string | undefined;
  for (const { story } of source.stories)
    if (!story.draft && story.publishedAt > at && (next === undefined || story.publishedAt < next))
      next = story.publishedAt;
  return next;
}

/**
 * Renders one body; a body the renderer cannot handle (one that validation let through) becomes a content problem
 * naming the story, not a crash with a stack trace.
 */
function renderSafely(
  story: Story,
  render: BuildSiteOptions['render'],
  where: string,
  issues: ContentIssue[],
): RenderedBody {
  try {
    return render(story);
  } catch (error) {
    const reason =
      error instanceof RangeError
        ? 'it nests too deeply to render'
        : `it could not be rendered (${error instanceof Error ? error.message : String(error)})`;
    issues.push({
      where,
      field: 'body',
      message: `the body was not built: ${reason}`,
      hint: 'flatten deeply nested quotes, lists, emphasis or HTML',
    });
    return { html: '', text: '' };
  }
}

/** The fields of a story that listings show: what a listing page's cache key depends on. */
export function toCard(view: StoryCard): StoryCard {
  const { id, slug, url, title, dek, publishedAt, updatedAt, section, image } = view;
  return {
    id,
    slug,
    url,
    title,
    dek,
    publishedAt,
    section,
    ...(updatedAt ? { updatedAt } : {}),
    ...(image ? { image } : {}),
  };
}

function uniqueBySlug(tags: Tag[]): Tag[] {
  const seen = new Set<string>();
  return tags.filter((t) => !seen.has(t.slug) && Boolean(seen.add(t.slug)));
}
