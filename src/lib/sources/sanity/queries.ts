// Every GROQ query the project sends lives here. Values always travel as parameters ($name), never spliced in.
//
// The build reads whole documents and resolves references itself (src/lib/sanity/source.ts) rather than with
// `->` projections: the rebuild service keeps a mirror of these same documents and syncs only what changed, and
// one mapping then serves both a full read and the mirror.

// Sanity TypeGen (`npm run typegen`) finds queries by a template tag named `groq` and writes their result types to
// sanity.types.ts (`siteDocumentsQuery` → `SiteDocumentsQueryResult`). The `groq` package's tag is the usual one; it
// is no dependency of the project, and this one gives the same plain string.
function groq(strings: TemplateStringsArray): string {
  return strings.join('');
}

/** The document types the site is built from (of comments, only the approved ones: see `SHOWN`). */
export const SITE_TYPES = ['story', 'section', 'author', 'tag', 'comment'] as const;

/**
 * Every document the site is built from (`$types` = SITE_TYPES), and the image assets with what the site uses: the
 * shape of a full read, which goes through the export endpoint (export.ts projects to it; one query for a whole large
 * dataset runs past the API's time limit). TypeGen types it.
 */
export const siteDocumentsQuery = groq`{
  "documents": *[_type in $types && (_type != "comment" || state == "approved")] | order(_id asc),
  "assets": *[_type == "sanity.imageAsset"] | order(_id asc) {_id, _type, _updatedAt, url, originalFilename, extension, "width": metadata.dimensions.width, "height": metadata.dimensions.height}
}`;

// Comments that are pending or rejected are no documents of the site: the queries below leave them out, so a
// comment that is rejected after approval reads as removed, and a mirror never holds what readers must not see.

/**
 * The documents `$ids` (those of the site's types) and image assets changed after `$since`: a sync told by webhooks
 * which documents changed. An id it does not return was deleted or unpublished.
 */
export const documentsByIdQuery = groq`{
  "documents": *[_id in $ids && _type in $types && (_type != "comment" || state == "approved")] | order(_id asc),
  "assets": *[_type == "sanity.imageAsset" && _updatedAt > $since] | order(_id asc) {_id, _type, _updatedAt, url, originalFilename, extension, "width": metadata.dimensions.width, "height": metadata.dimensions.height}
}`;

/** Documents of the site's types and image assets changed after `$since` (an ISO time), for incremental syncs. */
export const changedSinceQuery = groq`{
  "documents": *[_type in $types && (_type != "comment" || state == "approved") && _updatedAt > $since] | order(_id asc),
  "assets": *[_type == "sanity.imageAsset" && _updatedAt > $since] | order(_id asc) {_id, _type, _updatedAt, url, originalFilename, extension, "width": metadata.dimensions.width, "height": metadata.dimensions.height},
  "ids": *[(_type in $types && (_type != "comment" || state == "approved")) || _type == "sanity.imageAsset"]._id
}`;
