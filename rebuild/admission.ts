import type { ContentIssue } from '../src/lib/model/content-error.ts';
import type { SanityConfig } from '../src/lib/sources/sanity/config.ts';
import { siteSourceFromDocuments, type SiteDocuments } from '../src/lib/sources/sanity/site-source.ts';
import { validateSite } from '../src/lib/site/site.ts';
import type { SanityDocument, Unchecked, UncheckedDocument } from '../src/lib/sources/sanity/documents.ts';
import type { Slug } from '../src/lib/sources/sanity/sanity.types.ts';

/** A published document the service builds without, with its problem and what the site shows instead. */
export interface Rejection {
  id: string;
  field: string;
  message: string;
  /** "last valid version": the version of the last good build stays live; "left out": it never had one. */
  serving: 'last valid version' | 'left out';
}

/** The documents a build may use, and the ones it had to do without; or the problems no document explains. */
export type Admission =
  { ok: true; documents: SanityDocument[]; rejected: Rejection[] } | { ok: false; issues: ContentIssue[] };

/**
 * Picks the documents the rebuild service builds from, so that one invalid document never stops every other
 * publish. A document with a content problem is replaced by its version in `accepted` (the documents of the last
 * good build) or, without one, left out; a reference to a left-out document is then weak (left out of the story,
 * as a pinned story that is not published yet is). Leaving one out can break another (a story whose new section
 * is invalid), so this repeats until the rest is valid. Fails only when a problem names no document. `issues`, when
 * the caller has already validated `input`, saves validating it again (a second on a 10,000-story site).
 */
export function admitDocuments(
  input: SiteDocuments,
  accepted: ReadonlyMap<string, SanityDocument>,
  config: Pick<SanityConfig, 'projectId' | 'dataset' | 'apiHost'>,
  issues?: ContentIssue[],
): Admission {
  let known = issues;
  const current = new Map(input.documents.map((d) => [String(d['_id']), d]));
  const excluded = new Set<string>();
  const reported = new Map<string, Rejection[]>();
  /** Builds without this version of `id`: its last valid one if it differs, else nothing. */
  const holdBack = (id: string, problems: ContentIssue[]) => {
    const previous = accepted.get(id);
    // Stryker disable next-line OptionalChaining: each id held back is in current (a takeover's or one named)
    const usable = previous !== undefined && previous['_rev'] !== current.get(id)?.['_rev'];
    if (usable) current.set(id, previous);
    else {
      current.delete(id);
      excluded.add(id);
    }
    const serving = usable ? 'last valid version' : 'left out';
    // The problem reported is the newest version's; a fallback that fails too only changes what is served.
    const seen = reported.get(id);
    if (seen) seen.forEach((r) => (r.serving = serving));
    else
      reported.set(
        id,
        problems.map((i) => ({ id, field: i.field, message: explain(i, excluded), serving })),
      );
  };
  for (const { id, issue } of slugTakeovers(current, accepted)) {
    holdBack(id, [issue]);
    known = undefined;
  }
  // Each round replaces or leaves out at least one document, and each at most once of each: this ends.
  for (;;) {
    const documents = [...current.values()].map((d) => weaken(d, excluded));
    const issues = known ?? validateSite(siteSourceFromDocuments({ documents, assets: input.assets }, config));
    known = undefined;
    if (issues.length === 0) return { ok: true, documents, rejected: [...reported.values()].flat() };
    if (issues.some((i) => !current.has(i.where))) return { ok: false, issues };
    // Stories depend on sections, tags and authors, not the other way round: settle those first, so that a story
    // is held back only for a problem of its own (or one that remains once they are settled).
    const named = [...new Set(issues.map((i) => i.where))];
    // Stryker disable next-line OptionalChaining: every id named is in current (checked above)
    const taxonomy = named.filter((id) => current.get(id)?.['_type'] !== 'story');
    for (const id of taxonomy.length > 0 ? taxonomy : named)
      holdBack(
        id,
        issues.filter((i) => i.where === id),
      );
  }
}

/**
 * Documents that claim a slug (so a URL) another document of their type held in the last good build. Validation
 * alone faults whichever id sorts later, which could take a live story's URL from it; the newcomer is held back.
 */
function slugTakeovers(
  current: ReadonlyMap<string, SanityDocument>,
  accepted: ReadonlyMap<string, SanityDocument>,
): { id: string; issue: ContentIssue }[] {
  const key = (doc: SanityDocument | undefined) => {
    const slug = ((doc as UncheckedDocument<{ slug?: Slug }> | undefined)?.slug as Unchecked<Slug> | undefined)
      ?.current;
    // Stryker disable next-line OptionalChaining: a slug was found, so doc is there
    return typeof slug === 'string' ? `${String(doc?.['_type'])}:${slug}` : undefined;
  };
  const holders = new Map<string, string>();
  for (const [id, doc] of accepted) {
    const k = key(doc);
    if (k && key(current.get(id)) === k) holders.set(k, id);
  }
  const found: { id: string; issue: ContentIssue }[] = [];
  for (const [id, doc] of current) {
    const k = key(doc);
    const holder = k ? holders.get(k) : undefined;
    if (!holder || holder === id) continue;
    // Stryker disable next-line OptionalChaining: k is set (a holder was found for it)
    const slug = k?.slice(k.indexOf(':') + 1);
    found.push({
      id,
      issue: {
        where: id,
        field: 'slug',
        message: `the ${String(doc['_type'])} slug "${slug}" is already used by ${holder}, which is live`,
        hint: `give each ${String(doc['_type'])} its own slug`,
      },
    });
  }
  return found;
}

/** The message of an issue caused by a reference to a left-out document says so, instead of "does not exist". */
function explain(issue: ContentIssue, excluded: ReadonlySet<string>): string {
  const target = [...excluded].find((id) => issue.message.includes(`"${id}"`));
  if (!target) return issue.hint ? `${issue.message} (${issue.hint})` : issue.message;
  return `refers to "${target}", which is left out of the site because it is invalid (see its own entry)`;
}

/** A copy of `doc` whose references to `excluded` documents are weak; `doc` itself when it has none. */
function weaken(doc: SanityDocument, excluded: ReadonlySet<string>): SanityDocument {
  // Stryker disable next-line ConditionalExpression: a shortcut: with nothing excluded, doc is returned below
  if (excluded.size === 0) return doc;
  let copy: SanityDocument | undefined;
  for (const [field, value] of Object.entries(doc)) {
    const next = Array.isArray(value) ? weakRefs(value, excluded) : weakRef(value, excluded);
    if (next !== value) (copy ??= { ...doc })[field] = next;
  }
  return copy ?? doc;
}

function weakRefs(values: unknown[], excluded: ReadonlySet<string>): unknown[] {
  const next = values.map((v) => weakRef(v, excluded));
  return next.some((v, i) => v !== values[i]) ? next : values;
}

function weakRef(value: unknown, excluded: ReadonlySet<string>): unknown {
  if (typeof value !== 'object' || value === null || !('_ref' in value)) return value;
  const ref = value._ref;
  // Stryker disable next-line ConditionalExpression: excluded holds strings only, so has() is false for any other ref
  return typeof ref === 'string' && excluded.has(ref) ? { ...value, _weak: true } : value;
}
