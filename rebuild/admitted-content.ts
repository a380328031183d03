import { hash } from 'node:crypto';
import type { SanityConfig } from '../src/lib/sources/sanity/config.ts';
import type { SimilarLink } from '../src/lib/similar/options.ts';
import { admitDocuments, type Rejection } from './admission.ts';
import type { Mirror } from './mirror.ts';
import type { ModelResult, SiteModel } from './site-model.ts';
import type { SanityDocument } from '../src/lib/sources/sanity/documents.ts';

/**
 * The site computed from the mirror's documents; when some are invalid, from the documents `admitDocuments` keeps
 * (their last valid versions, or without them), so that one bad document never stops every other publish. Keeps
 * the documents of the last valid content, and the ones the last computation did without.
 */
export class AdmittedContent {
  readonly #mirror: Mirror;
  readonly #model: SiteModel;
  readonly #sanity: Pick<SanityConfig, 'projectId' | 'dataset' | 'apiHost'>;
  // The documents of the last valid content: a document that turns invalid is built from its version here. (Kept as
  // the list it was, and made a map only when a document is invalid: at 100,000 stories a map per publish costs.)
  #accepted: SanityDocument[] = [];
  #rejected: Rejection[] = [];

  constructor(mirror: Mirror, model: SiteModel, sanity: Pick<SanityConfig, 'projectId' | 'dataset' | 'apiHost'>) {
    this.#mirror = mirror;
    this.#model = model;
    this.#sanity = sanity;
  }

  /** The documents of the last valid content (what the live site was computed from). */
  get accepted(): readonly SanityDocument[] {
    return this.#accepted;
  }

  /** Published documents with a content problem that the last valid computation did without. */
  get rejected(): Rejection[] {
    return this.#rejected;
  }

  /** The model as of `now`; `links`, when given, are every story's Similar News (else the model's own). */
  compute(now: Date, links?: Map<string, SimilarLink[]>): ModelResult {
    const mirror = this.#mirror;
    const assets = [...mirror.assets.values()];
    const assetsStamp = mirror.assetsRevision();
    const compute = (documents: SanityDocument[], byId: ReadonlyMap<string, SanityDocument>) => {
      // A document admission changed (a reference dropped) or replaced by its last valid version is not the mirror's,
      // though it may carry the same revision: its stamp says what it holds, so that the model never takes one for
      // the other (it reuses what it computed for an unchanged stamp).
      const stamp = (id: string) => {
        const doc = byId.get(id);
        // Stryker disable next-line ConditionalExpression: the model asks only for the ids of the documents it is given
        if (!doc) return undefined;
        // A guard: while a document is held back, the computation of the mirror's documents fails first, which makes
        // the model's next computation a full one, and that reuses only bodies, which these changes leave as they are.
        // Stryker disable next-line all: the guard cannot change the result (see above)
        const own = doc === mirror.documents.get(id) ? '' : `|${hash('sha1', JSON.stringify(doc), 'base64url')}`;
        return `${String(doc['_rev'])}|${assetsStamp}${own}`;
      };
      return this.#model.compute({ documents, assets }, { now, stamp, ...(links ? { links } : {}) });
    };
    let documents: SanityDocument[] = [...mirror.documents.values()];
    let result = compute(documents, mirror.documents);
    let without: Rejection[] = [];
    if (!result.ok) {
      const admission = admitDocuments(
        { documents, assets },
        new Map(this.#accepted.map((d) => [String(d['_id']), d])),
        this.#sanity,
        result.issues,
      );
      if (!admission.ok) return { ok: false, issues: admission.issues };
      documents = admission.documents;
      without = admission.rejected;
      // Stryker disable next-line ArrayDeclaration,StringLiteral: this computation is a full one (see the guard above)
      result = compute(documents, new Map(documents.map((d) => [String(d['_id']), d])));
    }
    if (result.ok) {
      this.#accepted = documents;
      this.#rejected = without;
    }
    return result;
  }
}
