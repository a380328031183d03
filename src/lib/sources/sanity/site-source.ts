import { getPublishedId, isDraftId, type DocumentId } from '@sanity/id-utils';
import { createImageUrlBuilder } from '@sanity/image-url';
import { approvedComment, type Comment } from '../../model/comment.ts';
import { ContentError, type ContentIssue } from '../../model/content-error.ts';
import type { SiteSource } from '../../site/site.ts';
import { parseStory, storyRefs } from '../../model/story.ts';
import { tagDefSchema } from '../../model/tags.ts';
import { authorSchema, sectionSchema } from '../../model/taxonomy.ts';
import { describeSanityError, sanityClient } from './client.ts';
import { exportSiteDocuments } from './export.ts';
import { sanityConfigFromEnv, type SanityConfig } from './config.ts';
import { SITE_TYPES } from './queries.ts';
import { SourceError } from '../source-error.ts';
import type {
  Author as AuthorDocument,
  BlockContent,
  Comment as CommentDocument,
  SanityImageAssetReference,
  SanityImageCrop,
  Section as SectionDocument,
  Slug,
  Story as StoryDocument,
  Tag as TagDocument,
} from './sanity.types.ts';
import type { SanityAsset, SanityDocument, Unchecked, UncheckedDocument } from './documents.ts';

/** Widths offered in a Sanity image's `srcset`. */
export const IMAGE_WIDTHS = [480, 800, 1200, 1600] as const;

/** The fields of an object as it is read, before they are checked. */
type Fields = Record<string, unknown>;
type ImageBlock = Extract<BlockContent[number], { _type: 'image' }>;
/** What every reference type of the schema has (`SectionReference`, `StoryReference`, ...). */
type Reference = Pick<SanityImageAssetReference, '_ref' | '_weak'>;
export type { SanityAsset } from './documents.ts';

/** The shape `siteDocumentsQuery` answers with. */
export interface SiteDocuments {
  documents: SanityDocument[];
  assets: SanityAsset[];
}

/** Reads the whole site from Sanity with the configuration in `env`; problems come back as issues. */
export async function loadSanitySource(env: NodeJS.ProcessEnv): Promise<SiteSource> {
  const { config, issues } = sanityConfigFromEnv(env);
  if (!config) throw new ContentError(issues);
  return siteSourceFromDocuments(await fetchSiteDocuments(config), config);
}

/**
 * Fetches every document the site is built from, through the export endpoint (see export.ts); in preview, drafts too.
 * A failed request (unreachable, timed out, refused) is a `SourceError` with the cause, not a content problem.
 */
export async function fetchSiteDocuments(config: SanityConfig): Promise<SiteDocuments> {
  try {
    return await exportSiteDocuments(sanityClient(config), { drafts: config.preview });
  } catch (error) {
    const source = config.apiHost ?? `https://${config.projectId}.api.sanity.io`;
    throw new SourceError(source, describeSanityError(error, config), { cause: error });
  }
}

/**
 * Maps Sanity documents to the source-independent model, resolving references by id; issues name the document
 * `_id` and the field. In preview, a `drafts.` document stands in for its published version.
 */
export function siteSourceFromDocuments(
  input: SiteDocuments,
  config: Pick<SanityConfig, 'projectId' | 'dataset' | 'apiHost'>,
): SiteSource {
  const issues: ContentIssue[] = [];
  const images = createImageUrlBuilder({
    projectId: config.projectId,
    dataset: config.dataset,
    ...(config.apiHost ? { baseUrl: config.apiHost } : {}),
  });
  const assets = new Map(input.assets.map((a) => [a._id, a]));
  // A draft overlays its published document (preview reads both); published reads never see drafts.
  const byId = new Map<string, SanityDocument>();
  for (const doc of input.documents) {
    const id = String(doc['_id']) as DocumentId;
    if (isDraftId(id)) byId.set(getPublishedId(id), doc);
    else if (!byId.has(id) || !isDraftId(String(byId.get(id)?.['_id']) as DocumentId)) byId.set(id, doc);
  }
  const docs = [...byId.values()].sort((a, b) => String(a['_id']).localeCompare(String(b['_id'])));
  const of = (type: (typeof SITE_TYPES)[number]) => docs.filter((d) => d['_type'] === type);
  const slugOf = (doc: UncheckedDocument<{ slug?: Slug }> | undefined) => unchecked<Slug>(doc?.slug)?.current;
  const refId = (ref: unknown) => unchecked<Reference>(ref)?._ref;
  const deref = (ref: unknown, type: (typeof SITE_TYPES)[number]): SanityDocument | undefined => {
    const id = refId(ref);
    const doc = typeof id === 'string' ? byId.get(id) : undefined;
    return doc?.['_type'] === type ? doc : undefined;
  };
  // Sanity's image URL builder throws on an asset id it cannot read (`image-abc`, a file asset): that is a problem
  // of the document, reported on its field, not a crash of the build.
  const imageUrl = <T>(where: string, field: string, assetId: string, build: () => T): T | undefined => {
    try {
      return build();
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      issues.push({
        where,
        field,
        message: `the image asset "${assetId}" cannot be turned into a URL: ${reason}`,
        hint: 'pick or upload the image again',
      });
      return undefined;
    }
  };

  const taxonomy = <T extends import('zod').ZodType, D extends Unchecked<{ _id: string }>>(
    docsOfType: D[],
    schema: T,
    fields: (d: D) => Fields,
  ) =>
    docsOfType.flatMap((doc) => {
      const where = String(doc._id);
      const parsed = schema.safeParse(withoutNulls(fields(doc)), { reportInput: true });
      if (parsed.success) return [{ def: parsed.data, where }];
      for (const issue of parsed.error.issues)
        issues.push({ where, field: issue.path.join('.'), message: issue.message });
      return [];
    });

  const sectionDocs: UncheckedDocument<SectionDocument>[] = of('section').sort(
    (a, b) => Number(a.order ?? 1000) - Number(b.order ?? 1000) || String(slugOf(a)).localeCompare(String(slugOf(b))),
  );
  const sections = taxonomy(sectionDocs, sectionSchema, (d) => ({
    slug: slugOf(d),
    name: d.name,
    description: d.description,
  }));
  const authorDocs: UncheckedDocument<AuthorDocument>[] = of('author');
  const authors = taxonomy(authorDocs, authorSchema, (d) => {
    // Cast, not checked: a portrait that is not an object has no `asset` and no `alt`, and is left out below.
    const image = d.image as Unchecked<NonNullable<AuthorDocument['image']>> | undefined;
    const asset = assets.get(String(refId(image?.asset)));
    if (image?.asset && !asset) issues.push(missingAsset(String(d._id), 'image.asset', refId(image.asset)));
    const src =
      image && asset
        ? imageUrl(String(d._id), 'image', asset._id, () => images.image(asset._id).width(400).url())
        : undefined;
    return {
      slug: slugOf(d),
      name: d.name,
      bio: d.bio,
      role: d.role,
      image: image && src ? { src, alt: image.alt } : undefined,
    };
  });
  const tagDocs: UncheckedDocument<TagDocument>[] = of('tag');
  const tags = taxonomy(tagDocs, tagDefSchema, (d) => ({
    name: d.name,
    slug: slugOf(d),
    description: d.description,
    aliases: d.aliases ?? undefined,
  }));

  const stories: SiteSource['stories'] = [];
  const rejected: SiteSource['rejected'] = [];
  const storyDocs: UncheckedDocument<StoryDocument>[] = of('story');
  for (const doc of storyDocs) {
    const id = String(doc._id).replace(/^drafts\./, '');
    const where = String(doc._id);
    // Fields with a dangling reference: the schema's complaint that they are then empty would only repeat it.
    const broken = new Set<string>();
    const list = (field: 'tags' | 'authors' | 'related' | 'body'): unknown[] => {
      const value = doc[field];
      return Array.isArray(value) ? value : [];
    };
    const resolveAll = (field: 'tags' | 'authors' | 'related', type: (typeof SITE_TYPES)[number]) =>
      list(field).map((ref, i) => {
        const target = deref(ref, type);
        // A weak reference may point at a story that is not published yet (a pinned draft): it is left out until
        // then, as a files build leaves out a pinned story that is not live. Only strong references must resolve.
        if (!target && !unchecked<Reference>(ref)?._weak) {
          issues.push(dangling(where, `${field}[${i}]`, refId(ref), type, byId));
          broken.add(field);
        }
        return slugOf(target);
      });
    const sectionDoc = deref(doc.section, 'section');
    if (doc.section && !sectionDoc) {
      issues.push(dangling(where, 'section', refId(doc.section), 'section', byId));
      broken.add('section');
    }

    // Cast, not checked: an image that is not an object has no `asset`, and is left out.
    const image = doc.mainImage as Unchecked<NonNullable<StoryDocument['mainImage']>> | null | undefined;
    let storyImage: Fields | undefined;
    if (image?.asset) {
      const asset = assets.get(String(refId(image.asset)));
      if (!asset) issues.push(missingAsset(where, 'mainImage.asset', refId(image.asset)));
      else {
        const source = {
          asset: { _ref: asset._id },
          ...(image.hotspot ? { hotspot: image.hotspot } : {}),
          ...(image.crop ? { crop: image.crop } : {}),
        };
        const urls = imageUrl(where, 'mainImage', asset._id, () => {
          // auto=format: AVIF or WebP to browsers that take them (by the Accept header), the original format otherwise.
          const builder = images.image(source).auto('format');
          return {
            src: builder.width(1200).url(),
            srcset: IMAGE_WIDTHS.map((w) => `${builder.width(w).url()} ${w}w`).join(', '),
          };
        });
        // The page's width and height are those of the image served: the crop's, when the editor cropped it.
        const size = croppedSize(asset, image.crop);
        if (urls)
          storyImage = {
            ...urls,
            alt: image.alt,
            caption: image.caption,
            credit: image.credit,
            width: size?.width,
            height: size?.height,
          };
      }
    }
    // A body that is not a list is passed on as it is, for the story schema to report.
    const body = Array.isArray(doc.body)
      ? list('body').map((block, i) => {
          const b = unchecked<ImageBlock>(block);
          if (b?._type !== 'image') return block;
          const asset = assets.get(String(refId(b.asset)));
          if (b.asset && !asset) issues.push(missingAsset(where, `body[${i}].asset`, refId(b.asset)));
          // The editor's crop and hotspot apply here as on the main image.
          const source = {
            asset: { _ref: asset?._id },
            ...(b?.hotspot ? { hotspot: b.hotspot } : {}),
            ...(b?.crop ? { crop: b.crop } : {}),
          };
          const src = asset
            ? imageUrl(where, `body[${i}]`, asset._id, () =>
                images
                  .image(source as never)
                  .width(1200)
                  .auto('format')
                  .url(),
              )
            : undefined;
          return src ? { ...b, src } : block;
        })
      : doc.body;
    const raw = withoutNulls({
      title: doc.title,
      slug: slugOf(doc),
      dek: doc.dek,
      publishedAt: doc.publishedAt,
      updatedAt: doc.updatedAt,
      updateNote: doc.updateNote,
      section: sectionDoc ? slugOf(sectionDoc) : undefined,
      tags: compact(resolveAll('tags', 'tag')),
      authors: compact(resolveAll('authors', 'author')),
      source: doc.source ? pick<NonNullable<StoryDocument['source']>>(doc.source, ['name', 'url']) : undefined,
      image: storyImage,
      seo: doc.seo ? pick<NonNullable<StoryDocument['seo']>>(doc.seo, ['metaTitle', 'metaDescription']) : undefined,
      related: compact(resolveAll('related', 'story')),
      body: { format: 'portable-text', value: body ?? [] },
      commentsClosed: doc.commentsClosed === true ? true : undefined,
    });
    const parsed = parseStory(id, where, raw);
    // A story without a slug is still validated as a whole, so one build lists all of its problems.
    const slugHint = { hint: 'generate one from the headline in the Studio' };
    issues.push(
      ...parsed.issues
        .filter((i) => !broken.has(i.field))
        .map((i) => ({
          ...i,
          field: sanityField(i.field),
          ...(i.field === 'slug' && raw['slug'] === undefined ? slugHint : {}),
        })),
    );
    if (parsed.story) stories.push({ story: parsed.story, where });
    else rejected.push({ where, refs: storyRefs(raw) });
  }
  // Approved comments only (the export reads every comment); one not well formed is left out, not a build error.
  const comments: Comment[] = [];
  for (const doc of of('comment') as UncheckedDocument<CommentDocument>[]) {
    if (isDraftId(String(doc._id) as DocumentId)) continue;
    const comment = approvedComment({
      id: String(doc._id),
      story: refId(doc.story),
      name: doc.name,
      text: doc.text,
      postedAt: doc.postedAt,
      state: doc.state,
    });
    if (comment) comments.push(comment);
  }
  return { stories, rejected, sections, authors, tags, issues, comments };
}

/**
 * The size of the image an asset gives once `crop` (fractions cut from each side, as the Studio stores them) is
 * applied, rounded as `@sanity/image-url` rounds its `rect`; the asset's own size without a crop, and undefined
 * when the asset's size is unknown.
 */
export function croppedSize(
  asset: { width?: number | undefined; height?: number | undefined },
  crop: unknown,
): { width: number; height: number } | undefined {
  const { width, height } = asset;
  if (width === undefined || height === undefined) return undefined;
  const c = unchecked<SanityImageCrop>(crop);
  const side = (value: unknown) => (typeof value === 'number' && value > 0 && value < 1 ? value : 0);
  const left = Math.round(side(c?.left) * width);
  const top = Math.round(side(c?.top) * height);
  const croppedWidth = Math.round(width - side(c?.right) * width - left);
  const croppedHeight = Math.round(height - side(c?.bottom) * height - top);
  // A crop that leaves nothing is not one the Studio makes: the whole image is served.
  if (croppedWidth <= 0 || croppedHeight <= 0) return { width, height };
  return { width: croppedWidth, height: croppedHeight };
}

function missingAsset(where: string, field: string, ref: unknown): ContentIssue {
  return { where, field, message: `the image asset "${String(ref)}" does not exist`, hint: 'upload the image again' };
}

function dangling(
  where: string,
  field: string,
  ref: unknown,
  type: string,
  byId: Map<string, SanityDocument>,
): ContentIssue {
  const other = typeof ref === 'string' ? byId.get(ref)?.['_type'] : undefined;
  if (other !== undefined)
    return {
      where,
      field,
      message: `the reference points at "${String(ref)}", a ${String(other)}, where a ${type} is expected`,
      hint: `pick a ${type}`,
    };
  return {
    where,
    field,
    message: `the reference points at "${String(ref)}", which does not exist or is not published`,
    hint: 'publish that document or pick another',
  };
}

/** Story fields that Sanity names differently from the model. */
function sanityField(field: string): string {
  return field.replace(/^image\b/, 'mainImage');
}

function compact(value: unknown): unknown {
  return Array.isArray(value) ? value.filter((v) => v !== null && v !== undefined) : value;
}

/** The fields `keys` of an object of the schema type `T` that are set; `value` is read as it is (unchecked). */
function pick<T>(value: unknown, keys: readonly (keyof T & string)[]): Fields {
  const doc = value as Fields;
  return Object.fromEntries(keys.filter((k) => doc[k] !== null && doc[k] !== undefined).map((k) => [k, doc[k]]));
}

/** `value` as an unchecked `T` when it is an object; anything else has none of `T`'s fields. */
function unchecked<T>(value: unknown): Unchecked<T> | undefined {
  return typeof value === 'object' && value !== null ? value : undefined;
}

/** GROQ answers null for a missing field; the model wants the field absent. */
function withoutNulls(doc: Fields): Fields {
  return Object.fromEntries(Object.entries(doc).filter(([, v]) => v !== null && v !== undefined));
}
