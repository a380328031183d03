import path from 'node:path';
import { beforeAll, expect, test } from 'vitest';
import { previewPlan } from '../../rebuild/preview-model.ts';
import { readContentDir } from '../../src/lib/sources/content-files.ts';
import { siteSourceToDocuments, type SanityDocument } from '../../src/lib/sources/sanity/documents.ts';
import { STATIC_KINDS, type SitePage } from '../../src/lib/site/pages.ts';

// A draft preview's render plan: the live content with one document replaced by its draft, and that document's page.
const NOW = new Date('2027-01-01T00:00:00Z');
const SANITY = { projectId: 'local', dataset: 'production' };
let documents: SanityDocument[];

beforeAll(async () => {
  const source = await readContentDir(path.resolve('content'));
  const stories = source.stories.map(({ story, where }) => {
    const { image: _image, ...rest } = story;
    return { story: rest, where };
  });
  documents = siteSourceToDocuments({ ...source, stories }, () => undefined);
});

const byType = (type: string) => documents.find((d) => d['_type'] === type) as SanityDocument;
const plan = (doc: SanityDocument, now = NOW) => previewPlan({ doc, documents, assets: [], sanity: SANITY, now });

test("a story draft: its page with the draft's headline, the routes every build renders, the preview layout", () => {
  const story = byType('story');
  const result = plan({ ...story, title: 'A headline only the draft has' });
  if (!result.ok) throw new Error(JSON.stringify(result.issues));
  expect(result.plan.layout.preview).toBe(true);
  const own = result.plan.pages.find((p) => p.path === result.path) as SitePage<'story'>;
  expect(own.kind).toBe('story');
  expect(own.props.story.title).toBe('A headline only the draft has');
  const kinds = result.plan.pages.map((p) => p.kind);
  for (const kind of STATIC_KINDS) expect(kinds).toContain(kind);
  expect(kinds.filter((k) => k === 'story')).toHaveLength(1);
});

test('a story scheduled for later is previewed too, with the site as of its time', () => {
  const story = byType('story');
  const result = plan({ ...story, title: 'Scheduled', publishedAt: '2030-01-01T09:00:00.000Z' });
  if (!result.ok) throw new Error(JSON.stringify(result.issues));
  const own = result.plan.pages.find((p) => p.path === result.path) as SitePage<'story'>;
  expect(own.props.story.publishedAt).toBe('2030-01-01T09:00:00.000Z');
});

test("a section draft: its listing's front page with the draft's name", () => {
  const section = byType('section');
  const result = plan({ ...section, name: 'Renamed in a draft' });
  if (!result.ok) throw new Error(JSON.stringify(result.issues));
  const own = result.plan.pages.find((p) => p.path === result.path) as SitePage<'section'>;
  expect(own.kind).toBe('section');
  expect(own.props.section.name).toBe('Renamed in a draft');
  expect(result.plan.layout.sections.map((s) => s.name)).toContain('Renamed in a draft');
});

test('an invalid draft comes back as its problems, and a type without pages is refused', () => {
  const story = byType('story');
  const invalid = plan({ ...story, section: { _type: 'reference', _ref: 'section-nowhere' } });
  expect(invalid.ok).toBe(false);
  const other = plan({ _id: 'x', _type: 'sanity.imageAsset' });
  expect(other).toEqual({ ok: false, issues: [expect.objectContaining({ field: '_type' })] });
});
