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

const newestFirst = [{ field: 'publishedAt', direction: 'desc' as const }];

function storyList(S: StructureBuilder, id: string, title: string, filter: string, params?: Record<string, unknown>) {
  const list = S.documentList()
    .id(id)
    .title(title)
    .schemaType('story')
    .apiVersion(STRUCTURE_API_VERSION)
    .filter(filter)
    .defaultOrdering(newestFirst);
  return params ? list.params(params) : list;
}

/** The Studio's desk: Stories (by section, by state, all), then Sections, Tags and Authors. */
export const structure: StructureResolver = (S) =>
  S.list()
    .title('Newsroom')
    .items([
      S.listItem()
        .id('stories')
        .title('Stories')
        .schemaType('story')
        .child(
          S.list()
            .id('stories')
            .title('Stories')
            .items([
              S.listItem()
                .id('stories-by-section')
                .title('By section')
                // One story list per section document: picking a section opens its stories, not the section itself.
                .child(
                  S.documentTypeList('section')
                    .id('stories-by-section')
                    .title('Stories by section')
                    .child((sectionId) =>
                      storyList(S, 'section-stories', 'Stories', storyFilters.inSection, { sectionId }),
                    ),
                ),
              S.listItem()
                .id('stories-by-state')
                .title('By state')
                .child(
                  S.list()
                    .id('stories-by-state')
                    .title('By state')
                    .items([
                      S.listItem()
                        .id('drafts')
                        .title('Drafts')
                        .child(storyList(S, 'drafts', 'Drafts', storyFilters.drafts)),
                      S.listItem()
                        .id('published')
                        .title('Published')
                        .child(storyList(S, 'published', 'Published', storyFilters.published)),
                      S.listItem()
                        .id('scheduled')
                        .title('Scheduled')
                        .child(storyList(S, 'scheduled', 'Scheduled', storyFilters.scheduled)),
                    ]),
                ),
              S.divider(),
              S.listItem()
                .id('all-stories')
                .title('All stories')
                .schemaType('story')
                .child(storyList(S, 'all-stories', 'All stories', storyFilters.all)),
            ]),
        ),
      S.divider(),
      S.documentTypeListItem('section').title('Sections'),
      S.documentTypeListItem('tag').title('Tags'),
      S.documentTypeListItem('author').title('Authors'),
    ]);
