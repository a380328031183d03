import { describe, expect, test } from 'vitest';
import { formatIssue } from '../src/lib/model/content-error.ts';
import { buildTagVocabulary, tagIndex, tagSlug } from '../src/lib/model/tags.ts';

describe('tagSlug', () => {
  test.each([
    ['Peace plan', 'peace-plan'],
    ['peace-plan', 'peace-plan'],
    ['  PEACE   PLAN ', 'peace-plan'],
    ['Volodymyr Zelensky', 'volodymyr-zelensky'],
    ['Luiz Inácio Lula da Silva', 'luiz-inacio-lula-da-silva'],
    ['AT&T', 'at-and-t'],
    ['Robert F. Kennedy Jr.', 'robert-f-kennedy-jr'],
    ["Côte d'Ivoire", 'cote-divoire'],
    ['G7', 'g7'],
    ['!!!', ''],
  ])('%s → %s', (name, slug) => {
    expect(tagSlug(name)).toBe(slug);
  });
});

describe('buildTagVocabulary', () => {
  const def = (name: string, aliases: string[] = [], extra: Record<string, string> = {}) => ({
    def: { name, aliases, ...extra },
    where: `tags.yaml[${name}]`,
  });

  test('names, aliases and slugs all resolve to the tag', () => {
    const { vocabulary, issues } = buildTagVocabulary([
      def('Donald Trump', ['Trump', 'President Trump'], { description: 'The president.' }),
    ]);
    expect(issues).toEqual([]);
    for (const spelling of ['Donald Trump', 'trump', 'PRESIDENT TRUMP', 'donald-trump']) {
      expect(vocabulary.resolve(spelling)).toEqual({
        slug: 'donald-trump',
        name: 'Donald Trump',
        description: 'The president.',
      });
    }
  });

  test('a tag outside the vocabulary keeps its first spelling', () => {
    const { vocabulary } = buildTagVocabulary([]);
    expect(vocabulary.resolve('Space Force')).toEqual({ slug: 'space-force', name: 'Space Force' });
    expect(vocabulary.resolve('space force')).toEqual({ slug: 'space-force', name: 'Space Force' });
  });

  test('names or aliases of two tags that fold to one slug are reported', () => {
    const { issues } = buildTagVocabulary([
      def('Peace plan'),
      def('Peace-Plan'),
      def('AI'),
      def('Artificial intelligence', ['ai']),
    ]);
    expect(issues.map(formatIssue)).toMatchInlineSnapshot(`
      [
        "tags.yaml[Peace-Plan] → name: "Peace-Plan" folds to the slug "peace-plan", which tags.yaml[Peace plan] already uses for "Peace plan" (tag "Peace plan") (merge the two tags, or make one an alias of the other)",
        "tags.yaml[Artificial intelligence] → aliases[0]: "ai" folds to the slug "ai", which tags.yaml[AI] already uses for "AI" (tag "AI") (merge the two tags, or make one an alias of the other)",
      ]
    `);
  });
});

test('tagIndex: popular by count then slug; A to Z groups with a # group last', () => {
  const t = (slug: string, count: number) => ({ slug, name: slug, count });
  const { popular, letters } = tagIndex(
    // Out of order on every key, so that each sort has something to do.
    [t('war', 3), t('us', 1), t('ukraine', 5), t('ai', 5), t('zebra', 1), t('2025-election', 1), t('1984', 1)],
    3,
  );
  expect(popular.map((x) => x.slug)).toEqual(['ai', 'ukraine', 'war']);
  expect(letters.map((g) => [g.letter, g.tags.map((x) => x.slug)])).toEqual([
    ['A', ['ai']],
    ['U', ['ukraine', 'us']],
    ['W', ['war']],
    ['Z', ['zebra']],
    ['#', ['1984', '2025-election']],
  ]);
});
