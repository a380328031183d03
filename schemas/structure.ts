import type { StructureBuilder, StructureResolver } from 'sanity/structure';

/** API version of the Studio's list queries; 2025-02-19 is the first with perspectives on by default. */
export const STRUCTURE_API_VERSION = '2025-02-19';

// The Studio runs list queries through its perspective stack (`drafts` by default): a story with unpublished edits
// comes back under its published `_id` with `_originalId` set to `drafts.<id>`, so `_id in path("drafts.**")` alone
// no longer finds drafts (sanity-io/sanity#13475). `coalesce` falls back to `_id` where `_originalId` is absent (raw).
const HAS_DRAFT = '(coalesce(_originalId, _id) in path("drafts.**"))';

/** GROQ filters of the story lists, exported so tests can run them against sample documents. */
export const storyFilters = {
  all: '_type == "story"',
  /** Stories with unpublished edits: new ones never published, and published ones with pending changes. */
  drafts: `_type == "story" && ${HAS_DRAFT}`,
  /** Published stories whose live version is what the Studio shows (no pending edits). */
  published: `_type == "story" && !${HAS_DRAFT}`,
  /** Stories whose publish time is still ahead; the site shows them from then on. */
  scheduled: '_type == "story" && publishedAt > now()',
  /** Stories of one section; `$sectionId` is the section's published id. */
  inSection: '_type == "story" && section._ref == $sectionId',
} as const;

/** GROQ filters of the comment lists: the moderation queue and the decided ones. */
export const commentFilters = {
  pending: '_type == "comment" && state == "pending"',
  approved: '_type == "comment" && state == "approved"',
  rejected: '_type == "comment" && state == "rejected"',
} as const;

/** A list's default sort: fields in order of precedence. */
type Ordering = { field: string; direction: 'asc' | 'desc' }[];

/** Newest first: by publish time, then by last edit; a story without a publish time yet (GROQ sorts null first). */
const newestFirst: Ordering = [
  { field: 'publishedAt', direction: 'desc' },
  { field: '_updatedAt', direction: 'desc' },
];
/** Comments waiting longest first; decided ones newest first. */
const oldestPosted: Ordering = [{ field: 'postedAt', direction: 'asc' }];
const newestPosted: Ordering = [{ field: 'postedAt', direction: 'desc' }];
/** Scheduled stories in the order they go live. */
const soonestFirst: Ordering = [{ field: 'publishedAt', direction: 'asc' }];

/** The sections' published documents in navigation order, for the desk's per-section lists. */
export const SECTIONS_QUERY =
  '*[_type == "section" && !(_id in path("drafts.**"))] | order(coalesce(order, 1000) asc, name asc) { _id, name }';

function storyList(
  S: StructureBuilder,
  id: string,
  title: string,
  filter: string,
  options: { params?: Record<string, unknown>; ordering?: Ordering } = {},
) {
  const list = S.documentList()
    .id(id)
    .title(title)
    .schemaType('story')
    .apiVersion(STRUCTURE_API_VERSION)
    .filter(filter)
    .defaultOrdering(options.ordering ?? newestFirst);
  return options.params ? list.params(options.params) : list;
}

function commentList(S: StructureBuilder, id: string, title: string, filter: string, ordering: Ordering) {
  return S.documentList()
    .id(id)
    .title(title)
    .schemaType('comment')
    .apiVersion(STRUCTURE_API_VERSION)
    .filter(filter)
    .defaultOrdering(ordering);
}

/**
 * The Studio's desk, at most two levels deep: Stories opens one list of story lists (latest first, by state, then one
 * per section), each of which lists stories newest first; then readers' comments (those to moderate, oldest first,
 * and the approved and rejected ones); then Sections, Tags and Authors.
 */
export const structure: StructureResolver = (S, context) =>
  S.list()
    .title('Newsroom')
    .items([
      S.listItem()
        .id('stories')
        .title('Stories')
        .schemaType('story')
        .child(async () => {
          // Sections are read when Stories opens; a failed read leaves the lists by state, which need none.
          const sections = await context
            .getClient({ apiVersion: STRUCTURE_API_VERSION })
            .fetch<{ _id: string; name?: string }[]>(SECTIONS_QUERY)
            .catch(() => []);
          return S.list()
            .id('stories')
            .title('Stories')
            .items([
              S.listItem()
                .id('all-stories')
                .title('All stories')
                .schemaType('story')
                .child(storyList(S, 'all-stories', 'All stories', storyFilters.all)),
              S.listItem()
                .id('drafts')
                .title('Drafts')
                .schemaType('story')
                .child(storyList(S, 'drafts', 'Drafts', storyFilters.drafts)),
              S.listItem()
                .id('scheduled')
                .title('Scheduled')
                .schemaType('story')
                .child(storyList(S, 'scheduled', 'Scheduled', storyFilters.scheduled, { ordering: soonestFirst })),
              S.listItem()
                .id('published')
                .title('Published')
                .schemaType('story')
                .child(storyList(S, 'published', 'Published', storyFilters.published)),
              S.divider(),
              ...sections.map((section) =>
                S.listItem()
                  .id(section._id)
                  .title(section.name ?? section._id)
                  .schemaType('section')
                  .child(
                    storyList(S, `stories-${section._id}`, section.name ?? section._id, storyFilters.inSection, {
                      params: { sectionId: section._id },
                    }),
                  ),
              ),
            ]);
        }),
      S.listItem()
        .id('comments-to-moderate')
        .title('Comments to moderate')
        .schemaType('comment')
        .child(commentList(S, 'comments-to-moderate', 'Comments to moderate', commentFilters.pending, oldestPosted)),
      S.listItem()
        .id('comments')
        .title('Comments')
        .schemaType('comment')
        .child(
          S.list()
            .id('comments')
            .title('Comments')
            .items([
              S.listItem()
                .id('comments-approved')
                .title('Approved')
                .schemaType('comment')
                .child(commentList(S, 'comments-approved', 'Approved', commentFilters.approved, newestPosted)),
              S.listItem()
                .id('comments-rejected')
                .title('Rejected')
                .schemaType('comment')
                .child(commentList(S, 'comments-rejected', 'Rejected', commentFilters.rejected, newestPosted)),
            ]),
        ),
      S.divider(),
      S.documentTypeListItem('section').title('Sections'),
      S.documentTypeListItem('tag').title('Tags'),
      S.documentTypeListItem('author').title('Authors'),
    ]);
