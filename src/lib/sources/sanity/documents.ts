import { createHash } from 'node:crypto';
import { getPublishedId, isDraftId, type DocumentId } from '@sanity/id-utils';
import { markdownToPortableText, portableTextToMarkdown } from '../../body/portable-text-markdown.ts';
import type { SiteSource } from '../../site/site.ts';
import type { Story } from '../../model/story.ts';
import { buildTagVocabulary } from '../../model/tags.ts';
import type {
  Author as AuthorDocument,
  Section as SectionDocument,
  Slug,
  Story as StoryDocument,
  Tag as TagDocument,
} from './sanity.types.ts';

/**
 * A Sanity document, the one name for it outside the lake: what the import writes, the export and the build read,
 * and the rebuild service mirrors. Any JSON object with an `_id` and a `_type`; what else it holds is read through
 * `Unchecked` types.
 */
export type SanityDocument = { _id: string; _type: string; _rev?: string; _updatedAt?: string } & Record<
  string,
  unknown
>;
/** An image asset as `siteDocumentsQuery` projects it. */
export interface SanityAsset {
  _id: string;
  url: string;
  originalFilename?: string;
  width?: number;
  height?: number;
}

/**
 * A value of the schema type `T` (generated from the Studio's schema by Sanity TypeGen) whose fields are yet to be
 * checked: code may read only fields the schema has (a misspelt field does not compile), but every value is
 * `unknown`, since a dataset may hold anything (an older schema's fields, an import's mistakes, GROQ's nulls).
 */
export type Unchecked<T> = { readonly [K in keyof T]?: unknown };
/** A document of the schema type `T`, its fields unchecked, besides what every document has. */
export type UncheckedDocument<T> = Unchecked<T> & Pick<SanityDocument, '_id' | '_type' | '_rev' | '_updatedAt'>;

/** Deterministic document ids, so that importing twice changes nothing. */
export const documentIds = {
  section: (slug: string) => `section-${slug}`,
  author: (slug: string) => `author-${slug}`,
  tag: (slug: string) => `tag-${slug}`,
};

const reference = (id: string, key?: string) => ({ _type: 'reference', _ref: id, ...(key ? { _key: key } : {}) });
const slugField = (current: string) => ({ _type: 'slug', current });
// A pinned story that is still a draft has no published document to point at: Sanity refuses a strong reference to
// a missing document, so the pin is weak (as the Studio writes it) and becomes strong when that story is published.
const pinned = (target: { id: string; draft: boolean }, key: string) =>
  target.draft
    ? { ...reference(target.id, key), _weak: true, _strengthenOnPublish: { type: 'story' } }
    : reference(target.id, key);
/** Every image path the content uses (main images, portraits, inline body images), for the import to upload. */
export function imagePaths(source: SiteSource): string[] {
  const paths = new Set<string>();
  for (const { story } of source.stories) {
    if (story.image) paths.add(story.image.src);
    if (story.body.format === 'markdown')
      for (const m of story.body.value.matchAll(/!\[[^\]]*\]\(([^)\s]+)/g)) if (m[1]) paths.add(m[1]);
  }
  for (const { def } of source.authors) if (def.image) paths.add(def.image.src);
  return [...paths].filter((p) => !/^https?:/.test(p)).sort();
}

/** A short stable array key derived from what the item points at. */
const keyOf = (value: string) => createHash('sha1').update(value).digest('hex').slice(0, 12);

/**
 * Maps content read from files to Sanity documents: stories (drafts as `drafts.<id>`), sections (with their
 * navigation `order`), authors and tags (every tag a story uses gets a document). `imageAsset` gives the asset id
 * uploaded for an image path.
 */
export function siteSourceToDocuments(
  source: SiteSource,
  imageAsset: (src: string) => string | undefined,
): SanityDocument[] {
  const { vocabulary } = buildTagVocabulary(source.tags);
  const docs: SanityDocument[] = [];
  source.sections.forEach(({ def }, order) => {
    docs.push(
      withoutUndefined({
        _id: documentIds.section(def.slug),
        _type: 'section',
        name: def.name,
        slug: slugField(def.slug),
        description: def.description,
        order,
      }),
    );
  });
  for (const { def } of source.authors) {
    const asset = def.image ? imageAsset(def.image.src) : undefined;
    docs.push(
      withoutUndefined({
        _id: documentIds.author(def.slug),
        _type: 'author',
        name: def.name,
        slug: slugField(def.slug),
        role: def.role,
        bio: def.bio,
        image: def.image && asset ? { _type: 'image', asset: reference(asset), alt: def.image.alt } : undefined,
      }),
    );
  }
  const tags = new Map<string, SanityDocument>();
  for (const { def } of source.tags) {
    const tag = vocabulary.resolve(def.name);
    tags.set(
      tag.slug,
      withoutUndefined({
        _id: documentIds.tag(tag.slug),
        _type: 'tag',
        name: def.name,
        slug: slugField(tag.slug),
        description: def.description,
        aliases: def.aliases.length ? def.aliases : undefined,
      }),
    );
  }
  // An ad-hoc tag is named by its first spelling in story id order among the stories the site shows, as buildSite
  // names it; a draft's spelling counts only for a tag no published story uses.
  const byId = [...source.stories].sort((a, b) => a.story.id.localeCompare(b.story.id));
  for (const { story } of [...byId.filter((s) => !s.story.draft), ...byId.filter((s) => s.story.draft)])
    for (const t of story.tags) vocabulary.resolve(t);
  const storyIds = new Map(source.stories.map(({ story }) => [story.slug, { id: story.id, draft: story.draft }]));
  for (const { story } of byId) {
    const tagSlugs = [...new Set(story.tags.map((t) => vocabulary.resolve(t).slug))];
    for (const slug of tagSlugs) {
      if (!tags.has(slug))
        tags.set(slug, {
          _id: documentIds.tag(slug),
          _type: 'tag',
          name: vocabulary.resolve(slug).name,
          slug: slugField(slug),
        });
    }
    docs.push(storyToDocument(story, tagSlugs, storyIds, imageAsset));
  }
  docs.push(...tags.values());
  return docs;
}

function storyToDocument(
  story: Story,
  tagSlugs: string[],
  storyIds: Map<string, { id: string; draft: boolean }>,
  imageAsset: (src: string) => string | undefined,
): SanityDocument {
  const asset = story.image ? imageAsset(story.image.src) : undefined;
  const blocks =
    story.body.format === 'markdown' ? markdownToPortableText(story.body.value, story.id) : story.body.value;
  // Inline images point at uploaded assets; the `src` the markdown had is not a field of Sanity's image type.
  const body = blocks.map((block) => {
    const b = block as Record<string, unknown>;
    if (b['_type'] !== 'image' || typeof b['src'] !== 'string') return block;
    const { src, ...rest } = b;
    const id = imageAsset(src);
    return id ? { ...rest, asset: reference(id) } : block;
  });
  return withoutUndefined({
    // By hand, not getDraftId: that throws on an id Sanity would refuse (a file name with a space), and the import
    // leaves refusing to Sanity.
    _id: story.draft ? `drafts.${story.id}` : story.id,
    _type: 'story',
    title: story.title,
    slug: slugField(story.slug),
    dek: story.dek,
    publishedAt: story.publishedAt,
    updatedAt: story.updatedAt,
    updateNote: story.updateNote,
    section: reference(documentIds.section(story.section)),
    tags: tagSlugs.map((slug) => reference(documentIds.tag(slug), keyOf(slug))),
    authors: story.authors.map((slug) => reference(documentIds.author(slug), keyOf(slug))),
    source: story.source ? { name: story.source.name, url: story.source.url } : undefined,
    mainImage:
      story.image && asset
        ? withoutUndefined({
            _type: 'image',
            asset: reference(asset),
            alt: story.image.alt,
            caption: story.image.caption,
            credit: story.image.credit,
          })
        : undefined,
    seo: story.seo ? withoutUndefined({ ...story.seo }) : undefined,
    related: story.related.length
      ? story.related.flatMap((slug) => {
          const target = storyIds.get(slug);
          return target ? [pinned(target, keyOf(slug))] : [];
        })
      : undefined,
    body,
  });
}

/** One markdown file of the export: its path under the content folder and its text. */
export interface ExportedFile {
  path: string;
  text: string;
}

/**
 * Maps raw dataset documents back to content files: `stories/<slug>.md` for each story (a draft that has a
 * published version is skipped: the published one is the content), and the three YAML lists. `imagePath` turns an
 * asset id into the path the story will use (`/images/<file>`).
 */
export function documentsToContent(
  documents: readonly SanityDocument[],
  imagePath: (assetId: string) => string | undefined,
  dump: (value: unknown) => string,
): ExportedFile[] {
  const byId = new Map(documents.map((d) => [d._id, d]));
  const slugOf = (ref: unknown) => {
    const id = (ref as { _ref?: string } | undefined)?._ref;
    const doc = id ? (byId.get(id) ?? byId.get(`drafts.${id}`)) : undefined;
    return (doc?.['slug'] as Partial<Slug> | undefined)?.current;
  };
  // The dataset's ids are Sanity's (valid), so @sanity/id-utils may parse them.
  const draft = (d: { _id: string }) => isDraftId(d._id as DocumentId);
  const publishedId = (d: { _id: string }) => (draft(d) ? getPublishedId(d._id as DocumentId) : d._id);
  const of = (type: 'section' | 'author' | 'tag') =>
    documents.filter((d) => d._type === type && !draft(d)).sort((a, b) => a._id.localeCompare(b._id));
  const files: ExportedFile[] = [];

  const sections: UncheckedDocument<SectionDocument>[] = of('section').sort(
    (a, b) => Number(a['order'] ?? 1000) - Number(b['order'] ?? 1000) || a._id.localeCompare(b._id),
  );
  files.push({
    path: 'sections.yaml',
    text: dump(
      sections.map((d) =>
        withoutUndefined({ slug: slugOf({ _ref: d._id }), name: d.name, description: d.description }),
      ),
    ),
  });
  const authors: UncheckedDocument<AuthorDocument>[] = of('author');
  files.push({
    path: 'authors.yaml',
    text: dump(
      authors.map((d) => {
        // The export trusts the dataset's shapes (the Studio wrote them); the build that reads the files checks them.
        const image = d.image as Partial<NonNullable<AuthorDocument['image']>> | undefined;
        const src = image?.asset?._ref ? imagePath(image.asset._ref) : undefined;
        return withoutUndefined({
          slug: slugOf({ _ref: d._id }),
          name: d.name,
          role: d.role,
          bio: d.bio,
          image: src ? { src, alt: image?.alt } : undefined,
        });
      }),
    ),
  });
  const tags: UncheckedDocument<TagDocument>[] = of('tag');
  files.push({
    path: 'tags.yaml',
    text: dump(
      tags.map((d) =>
        withoutUndefined({
          name: d.name,
          slug: slugOf({ _ref: d._id }),
          description: d.description,
          aliases: (d.aliases as TagDocument['aliases'])?.length ? d.aliases : undefined,
        }),
      ),
    ),
  });

  const stories: UncheckedDocument<StoryDocument>[] = documents.filter(
    (d) => d._type === 'story' && (!draft(d) || !byId.has(publishedId(d))),
  );
  for (const d of stories.sort((a, b) => a._id.localeCompare(b._id))) {
    const id = publishedId(d);
    const image = d.mainImage as Partial<NonNullable<StoryDocument['mainImage']>> | undefined;
    const src = image?.asset?._ref ? imagePath(image.asset._ref) : undefined;
    const source = d.source as StoryDocument['source'];
    const seo = d.seo as StoryDocument['seo'];
    const frontMatter = withoutUndefined({
      title: d.title,
      slug: (d.slug as Partial<Slug> | undefined)?.current,
      dek: d.dek,
      publishedAt: d.publishedAt,
      updatedAt: d.updatedAt,
      updateNote: d.updateNote,
      section: slugOf(d.section),
      tags: ((d.tags as unknown[] | undefined) ?? []).map((ref) => tagName(ref, byId)),
      authors: ((d.authors as unknown[] | undefined) ?? []).map(slugOf),
      source: source?.name || source?.url ? withoutUndefined({ name: source.name, url: source.url }) : undefined,
      image: src
        ? withoutUndefined({ src, alt: image?.alt, caption: image?.caption, credit: image?.credit })
        : undefined,
      related: nonEmpty(((d.related as unknown[] | undefined) ?? []).map(slugOf).filter(Boolean)),
      seo:
        seo?.metaTitle || seo?.metaDescription
          ? withoutUndefined({ metaTitle: seo.metaTitle, metaDescription: seo.metaDescription })
          : undefined,
      draft: draft(d) ? true : undefined,
    });
    const file = id.startsWith('story-') ? id.slice('story-'.length) : String(frontMatter['slug'] ?? id);
    const blocks = (Array.isArray(d.body) ? (d.body as Record<string, unknown>[]) : []).map((b) => {
      const ref = (b['asset'] as { _ref?: string } | undefined)?._ref;
      const src = b['_type'] === 'image' && ref ? imagePath(ref) : undefined;
      return src ? { ...b, src } : b;
    });
    const body = portableTextToMarkdown(blocks);
    files.push({ path: `stories/${file}.md`, text: `---\n${dump(frontMatter)}---\n\n${body}` });
  }
  return files;
}

function tagName(ref: unknown, byId: Map<string, SanityDocument>): unknown {
  const id = (ref as { _ref?: string } | undefined)?._ref;
  return id ? byId.get(id)?.['name'] : undefined;
}

function nonEmpty<T>(list: T[]): T[] | undefined {
  return list.length > 0 ? list : undefined;
}

function withoutUndefined<T extends Record<string, unknown>>(doc: T): T {
  return Object.fromEntries(Object.entries(doc).filter(([, v]) => v !== undefined)) as T;
}
