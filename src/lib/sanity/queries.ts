// Every GROQ query the project sends lives here. Values always travel as parameters ($name), never spliced in.

/** The fields of a story document the build needs, references resolved (and their ids kept to spot dangling ones). */
const storyProjection = /* groq */ `{
  _id,
  _updatedAt,
  title,
  "slug": slug.current,
  dek,
  publishedAt,
  updatedAt,
  updateNote,
  "section": section->slug.current,
  "sectionRef": section._ref,
  "tags": tags[]->slug.current,
  "tagRefs": tags[]._ref,
  "authors": authors[]->slug.current,
  "authorRefs": authors[]._ref,
  source,
  seo,
  "image": mainImage{alt, caption, credit, hotspot, crop, "assetRef": asset._ref, "asset": asset->{_id, url, originalFilename, "width": metadata.dimensions.width, "height": metadata.dimensions.height}},
  "related": related[]->slug.current,
  "relatedRefs": related[]._ref,
  "body": body[]{..., _type == "image" => {"src": asset->url, "assetRef": asset._ref}}
}`;

/** The whole site in one round trip: stories, sections, authors and tags, each in a stable order. */
export const siteQuery = /* groq */ `{
  "stories": *[_type == "story" && defined(slug.current)] | order(_id asc) ${storyProjection},
  "sections": *[_type == "section"] | order(coalesce(order, 1000) asc, slug.current asc) {_id, name, "slug": slug.current, description},
  "authors": *[_type == "author"] | order(slug.current asc) {_id, name, "slug": slug.current, bio, role, "image": image{alt, "src": asset->url}},
  "tags": *[_type == "tag"] | order(slug.current asc) {_id, name, "slug": slug.current, description, aliases}
}`;

/** Ids and revisions of every document the site is built from, to tell what changed and what was deleted. */
export const revisionsQuery = /* groq */ `*[_type in $types]{_id, _rev, _updatedAt}`;

/** The documents of the given types changed after `$since` (an ISO time). */
export const changedSinceQuery = /* groq */ `*[_type in $types && _updatedAt > $since] | order(_updatedAt asc)`;

/** One story by slug. */
export const storyBySlugQuery = /* groq */ `*[_type == "story" && slug.current == $slug][0] ${storyProjection}`;

/** The document types the site is built from. */
export const SITE_TYPES = ['story', 'section', 'author', 'tag'] as const;
