import { createImageUrlBuilder } from '@sanity/image-url';
import { ContentError, type ContentIssue } from '../content-error.ts';
import type { SiteSource } from '../site.ts';
import { parseStory, storyRefs } from '../story.ts';
import { tagDefSchema } from '../tags.ts';
import { authorSchema, sectionSchema } from '../taxonomy.ts';
import { describeSanityError, sanityClient } from './client.ts';
import { sanityConfigFromEnv, type SanityConfig } from './config.ts';
import { siteQuery } from './queries.ts';

/** Widths offered in a Sanity image's `srcset`. */
export const IMAGE_WIDTHS = [480, 800, 1200, 1600] as const;

type Doc = Record<string, unknown>;
/** The shape `siteQuery` answers with. */
export interface SiteQueryResult {
  stories: Doc[];
  sections: Doc[];
  authors: Doc[];
  tags: Doc[];
}

/** Reads the whole site from Sanity with the configuration in `env`; problems come back as issues. */
export async function loadSanitySource(env: NodeJS.ProcessEnv): Promise<SiteSource> {
  const { config, issues } = sanityConfigFromEnv(env);
  if (!config) throw new ContentError(issues);
  let result: SiteQueryResult;
  try {
    result = await sanityClient(config).fetch<SiteQueryResult>(siteQuery, {});
  } catch (error) {
    throw new ContentError([{ where: config.apiHost ?? `project ${config.projectId}`, field: '', message: describeSanityError(error, config) }]);
  }
  return siteSourceFromSanity(result, config);
}

/** Maps the documents of `siteQuery` to the source-independent model; issues name the document `_id` and field. */
export function siteSourceFromSanity(result: SiteQueryResult, config: Pick<SanityConfig, 'projectId' | 'dataset' | 'apiHost'>): SiteSource {
  const issues: ContentIssue[] = [];
  const images = createImageUrlBuilder({ projectId: config.projectId, dataset: config.dataset, ...(config.apiHost ? { baseUrl: config.apiHost } : {}) });

  const taxonomy = <T extends import('zod').ZodType>(docs: Doc[], schema: T, fields: (d: Doc) => Doc) =>
    docs.flatMap((doc) => {
      const where = String(doc['_id']);
      const parsed = schema.safeParse(withoutNulls(fields(doc)), { reportInput: true });
      if (parsed.success) return [{ def: parsed.data as import('zod').output<T>, where }];
      for (const issue of parsed.error.issues) issues.push({ where, field: issue.path.join('.'), message: issue.message });
      return [];
    });

  const sections = taxonomy(result.sections, sectionSchema, (d) => ({ slug: d['slug'], name: d['name'], description: d['description'] }));
  const authors = taxonomy(result.authors, authorSchema, (d) => ({ slug: d['slug'], name: d['name'], bio: d['bio'], role: d['role'], image: imageOrUndefined(d['image']) }));
  const tags = taxonomy(result.tags, tagDefSchema, (d) => ({ name: d['name'], slug: d['slug'], description: d['description'], aliases: d['aliases'] ?? undefined }));

  const stories: SiteSource['stories'] = [];
  const rejected: SiteSource['rejected'] = [];
  for (const doc of result.stories) {
    const id = String(doc['_id']).replace(/^drafts\./, '');
    const where = String(doc['_id']);
    issues.push(...danglingReferences(doc, where));
    const image = doc['image'] as Doc | null | undefined;
    let storyImage: Doc | undefined;
    if (image) {
      const asset = image['asset'] as Doc | null | undefined;
      if (!asset) {
        if (image['assetRef']) issues.push({ where, field: 'mainImage.asset', message: `the image asset "${String(image['assetRef'])}" does not exist`, hint: 'upload the image again' });
      } else {
        const builder = images.image({ asset: { _ref: String(asset['_id']) }, ...(image['hotspot'] ? { hotspot: image['hotspot'] } : {}), ...(image['crop'] ? { crop: image['crop'] } : {}) } as never);
        storyImage = {
          src: builder.width(1200).url(),
          srcset: IMAGE_WIDTHS.map((w) => `${builder.width(w).url()} ${w}w`).join(', '),
          alt: image['alt'],
          caption: image['caption'],
          credit: image['credit'],
          width: asset['width'],
          height: asset['height'],
        };
      }
    }
    const raw = withoutNulls({
      title: doc['title'],
      slug: doc['slug'],
      dek: doc['dek'],
      publishedAt: doc['publishedAt'],
      updatedAt: doc['updatedAt'],
      updateNote: doc['updateNote'],
      section: doc['section'],
      tags: compact(doc['tags']),
      authors: compact(doc['authors']),
      source: doc['source'] ? pick(doc['source'] as Doc, ['name', 'url']) : undefined,
      image: storyImage,
      seo: doc['seo'] ? pick(doc['seo'] as Doc, ['metaTitle', 'metaDescription']) : undefined,
      related: compact(doc['related']),
      body: { format: 'portable-text', value: Array.isArray(doc['body']) ? doc['body'] : [] },
    });
    const parsed = parseStory(id, where, raw);
    issues.push(...parsed.issues.map((i) => ({ ...i, field: sanityField(i.field) })));
    if (parsed.story) stories.push({ story: parsed.story, where });
    else rejected.push({ where, refs: storyRefs(raw) });
  }
  return { stories, rejected, sections, authors, tags, issues };
}

/** A reference whose target is missing (or unpublished) resolves to null: name it. */
function danglingReferences(doc: Doc, where: string): ContentIssue[] {
  const issues: ContentIssue[] = [];
  const check = (field: string, resolved: unknown, ref: unknown) => {
    if (typeof ref === 'string' && (resolved === null || resolved === undefined)) {
      issues.push({ where, field, message: `the reference points at "${ref}", which does not exist or is not published`, hint: 'publish that document or pick another' });
    }
  };
  check('section', doc['section'], doc['sectionRef']);
  for (const [field, refsField] of [['tags', 'tagRefs'], ['authors', 'authorRefs'], ['related', 'relatedRefs']] as const) {
    const resolved = Array.isArray(doc[field]) ? (doc[field] as unknown[]) : [];
    const refs = Array.isArray(doc[refsField]) ? (doc[refsField] as unknown[]) : [];
    refs.forEach((ref, i) => check(`${field}[${i}]`, resolved[i], ref));
  }
  return issues;
}

/** Story fields that Sanity names differently from the model. */
function sanityField(field: string): string {
  return field.replace(/^image\b/, 'mainImage');
}

function compact(value: unknown): unknown {
  return Array.isArray(value) ? value.filter((v) => v !== null && v !== undefined) : value;
}

function pick(doc: Doc, keys: string[]): Doc {
  return Object.fromEntries(keys.filter((k) => doc[k] !== null && doc[k] !== undefined).map((k) => [k, doc[k]]));
}

function imageOrUndefined(value: unknown): Doc | undefined {
  const image = value as Doc | null | undefined;
  return image && image['src'] ? { src: image['src'], alt: image['alt'] } : undefined;
}

/** GROQ answers null for a missing field; the model wants the field absent. */
function withoutNulls(doc: Doc): Doc {
  return Object.fromEntries(Object.entries(doc).filter(([, v]) => v !== null && v !== undefined));
}
