import { Mutation } from '@sanity/mutator';
import { dataError, LakeError, mutationError, messageOf, type MutationErrorItem } from './errors.ts';
import { evaluateQuery, parseQuery, type QueryParams } from './groq.ts';
import { isDraftId, isValidDocumentId, isVersionId, randomId, sanityTimestamp } from './ids.ts';
import { effectOf, type Effect } from './mendoza.ts';
import { referencePath, strongReferences } from './references.ts';
import type { DatasetStore } from './store.ts';
import { isDoc, type DocChange, type SanityDoc } from './types.ts';

/** What a mutation did to one document, as Sanity reports it in `results`. */
export type MutationOperation = 'create' | 'update' | 'delete' | 'none';

/** One entry of a mutate response's `results`. */
export interface MutationResult {
  id: string;
  operation: MutationOperation;
}

/** The permission a mutation needs, as Sanity names it in an insufficient-permissions error. */
export function permissionFor(mutation: unknown): 'create' | 'update' | 'delete' {
  if (typeof mutation === 'object' && mutation !== null) {
    if ('delete' in mutation) return 'delete';
    if ('patch' in mutation) return 'update';
  }
  return 'create';
}

/** A transaction worked out against a dataset but not yet written. */
export interface PreparedTransaction {
  transactionId: string;
  timestamp: string;
  results: MutationResult[];
  /** Documents whose stored value changes, in the order they were first touched. */
  changes: DocChange[];
  /** The mutations that touched each document, normalised (ids resolved, queries expanded), for listeners. */
  mutationsById: Map<string, Record<string, unknown>[]>;
}

/** Inputs to a transaction besides its mutations. */
export interface TransactionOptions {
  transactionId: string;
  /** `_updatedAt` (and `_createdAt` of new documents), ISO 8601. */
  timestamp: string;
  autoGenerateArrayKeys: boolean;
  projectId: string;
  identity: string;
}

const PATCH_OPERATIONS = new Set(['set', 'setIfMissing', 'unset', 'inc', 'dec', 'insert', 'diffMatchPatch']);
const PATCH_SELECTORS = new Set(['id', 'query', 'params', 'ifRevisionID']);
const MUTATION_KINDS = ['create', 'createOrReplace', 'createIfNotExists', 'delete', 'patch'] as const;
type MutationKind = (typeof MUTATION_KINDS)[number];

/** A failed mutation or action: its HTTP status (409 for conflicts, 404 for a missing document, 400 otherwise) and item. */
export class ItemError extends Error {
  readonly status: number;
  readonly item: MutationErrorItem['error'];
  constructor(status: number, type: string, description: string, extra: Record<string, unknown> = {}) {
    super(description);
    this.status = status;
    this.item = { type, description, ...extra };
  }
}

/** Turns whatever a mutation (or action) at `index` threw into the error the request answers with. */
export function asTransactionError(error: unknown, index: number): LakeError {
  if (error instanceof ItemError) return mutationError(error.status, [{ index, error: error.item }]);
  // A GROQ error in a delete or patch query keeps Sanity's query error shape.
  if (error instanceof LakeError) return error;
  return mutationError(400, [{ index, error: { type: 'validationError', description: messageOf(error) } }]);
}

/**
 * Applies `mutations` in order to a private copy of the dataset, all or nothing: the first failing mutation
 * throws Sanity's `mutationError` (naming its index) and nothing is changed. Patches are applied with
 * `@sanity/mutator`, the Studio's own implementation. `_rev` becomes the transaction id, `_updatedAt` the
 * transaction time, and `_createdAt` is kept from the stored document (or given, or the transaction time).
 */
export async function prepareTransaction(
  store: DatasetStore,
  mutations: unknown,
  options: TransactionOptions,
): Promise<PreparedTransaction> {
  if (!Array.isArray(mutations) || mutations.length === 0) {
    throw mutationError(400, [
      {
        index: 0,
        error: {
          type: 'validationError',
          description: `"mutations" must be a non-empty array of mutations, received ${describe(mutations)}`,
        },
      },
    ]);
  }
  const draft = new TransactionDraft(store, options);
  for (const [index, mutation] of mutations.entries()) {
    try {
      await draft.apply(mutation, index);
    } catch (error) {
      throw asTransactionError(error, index);
    }
  }
  return draft.finish();
}

/**
 * A transaction being worked out: mutations applied one by one to a working copy of the dataset, each seeing the
 * effect of the ones before. `finish` gives the changes to commit; nothing touches the store before that.
 */
export class TransactionDraft {
  private readonly store: DatasetStore;
  private readonly options: TransactionOptions;
  private readonly work: WorkingCopy;
  private readonly results: MutationResult[] = [];
  private readonly mutationsById = new Map<string, Record<string, unknown>[]>();
  /** The index of the last mutation (or action) that changed each document, for naming it in an error. */
  private readonly lastIndex = new Map<string, number>();

  constructor(store: DatasetStore, options: TransactionOptions) {
    this.store = store;
    this.options = options;
    this.work = new WorkingCopy(store);
  }

  /** The document with this id as the transaction sees it so far, `null` when absent. */
  get(id: string): SanityDoc | null {
    return this.work.get(id);
  }

  /** Applies one mutation (`{create: ...}`, `{patch: ...}`, ...), the request's item `index`; throws `ItemError` when it cannot. */
  async apply(mutation: unknown, index: number): Promise<MutationResult[]> {
    const record = (id: string, normalised: Record<string, unknown>): void => {
      const list = this.mutationsById.get(id) ?? [];
      list.push(normalised);
      this.mutationsById.set(id, list);
      this.lastIndex.set(id, index);
    };
    const [kind, body] = kindOf(mutation);
    let results: MutationResult[];
    if (kind === 'patch') results = await applyPatch(this.work, body, this.options, record);
    else if (kind === 'delete') results = await applyDelete(this.work, body, this.options, record);
    else results = [applyCreate(this.work, kind, body, record)];
    this.results.push(...results);
    return results;
  }

  /**
   * The changes to commit: every touched document before and after, system fields set. Throws Sanity's 409
   * `mutationError` when the dataset as the whole transaction leaves it would break a strong reference.
   */
  finish(): PreparedTransaction {
    const changes: DocChange[] = [];
    for (const id of this.work.touched) {
      const before = this.store.get(id) ?? null;
      const pending = this.work.get(id);
      if (before === null && pending === null) continue;
      const after = pending === null ? null : finalise(pending, before, this.options);
      changes.push({ id, before, after });
    }
    const problems = referenceProblems(this.store, changes, (id) => this.work.get(id) !== null);
    if (problems.length > 0) {
      const items = problems.map(({ id, error }) => ({ index: this.lastIndex.get(id) ?? 0, error }));
      throw mutationError(
        409,
        items.sort((a, b) => a.index - b.index),
      );
    }
    return {
      transactionId: this.options.transactionId,
      timestamp: this.options.timestamp,
      results: this.results,
      changes,
      mutationsById: this.mutationsById,
    };
  }
}

/** Referrers named in an error description; the full list is in the item's `referencingIDs`. */
const NAMED_REFERRERS = 5;

/**
 * What a transaction would break, checked on the state after all its mutations (so deleting a tag together with
 * the stories that carry it is fine), as Content Lake checks it:
 * - a document that is deleted while a document that remains strongly references it, from any document, drafts
 *   and versions included (409 `documentHasExistingReferencesError` with `referencingIDs`); the reverse index makes
 *   this cost the number of referrers, not the size of the dataset;
 * - a published document given a strong reference to a document that does not exist (409
 *   `documentReferenceDoesNotExistError`). Only references the transaction adds are checked, so a dataset loaded
 *   with a dangling reference can still be edited; drafts and versions are not checked, because the Studio
 *   writes references to unpublished documents as weak ones there and strengthens them on publish.
 */
function referenceProblems(
  store: DatasetStore,
  changes: readonly DocChange[],
  existsAfter: (id: string) => boolean,
): { id: string; error: MutationErrorItem['error'] }[] {
  const problems: { id: string; error: MutationErrorItem['error'] }[] = [];
  const touched = new Set(changes.map(({ id }) => id));
  // Strong references the changed documents hold after the transaction, target -> referrers.
  const changedReferrers = new Map<string, Set<string>>();
  for (const { id, before, after } of changes) {
    if (after === null) continue;
    const references = strongReferences(after);
    for (const target of references) {
      let from = changedReferrers.get(target);
      if (from === undefined) changedReferrers.set(target, (from = new Set()));
      from.add(id);
    }
    if (isDraftId(id) || isVersionId(id)) continue;
    const held = before === null ? new Set<string>() : strongReferences(before);
    for (const target of references) {
      if (held.has(target) || existsAfter(target)) continue;
      const path = referencePath(after, target);
      problems.push({
        id,
        error: {
          type: 'documentReferenceDoesNotExistError',
          description: `Document "${id}" references non-existent document "${target}" (at ${path}): create "${target}" first or in the same transaction, or make the reference weak with "_weak": true`,
          id,
          referenceID: target,
        },
      });
    }
  }
  for (const { id, before, after } of changes) {
    if (before === null || after !== null) continue;
    const referencing = new Set(changedReferrers.get(id));
    for (const referrer of store.strongReferrers(id)) if (!touched.has(referrer)) referencing.add(referrer);
    if (referencing.size === 0) continue;
    const referencingIDs = [...referencing].sort();
    const named = referencingIDs
      .slice(0, NAMED_REFERRERS)
      .map((ref) => `"${ref}"`)
      .join(', ');
    const more = referencingIDs.length > NAMED_REFERRERS ? ` and ${referencingIDs.length - NAMED_REFERRERS} more` : '';
    problems.push({
      id,
      error: {
        type: 'documentHasExistingReferencesError',
        description: `Document "${id}" cannot be deleted as there are references to it from ${named}${more}: remove those references (or make them weak with "_weak": true) first, or delete the referencing documents in the same transaction`,
        id,
        referencingIDs,
      },
    });
  }
  return problems;
}

/** The document as stored after the transaction: system fields set, array keys generated if asked. */
function finalise(doc: SanityDoc, before: SanityDoc | null, options: TransactionOptions): SanityDoc {
  const createdAt = before?._createdAt ?? doc._createdAt ?? options.timestamp;
  const out: SanityDoc = {
    ...doc,
    _id: doc._id,
    _createdAt: createdAt,
    _updatedAt: options.timestamp,
    _rev: options.transactionId,
  };
  return options.autoGenerateArrayKeys ? (withArrayKeys(out) as SanityDoc) : out;
}

/** Adds a random `_key` to every object inside an array that lacks one (the `autoGenerateArrayKeys` option). */
function withArrayKeys(value: unknown): unknown {
  if (Array.isArray(value)) {
    return value.map((item: unknown) => {
      const mapped = withArrayKeys(item);
      if (typeof mapped === 'object' && mapped !== null && !Array.isArray(mapped) && !('_key' in mapped)) {
        return { _key: randomId(12), ...mapped };
      }
      return mapped;
    });
  }
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([key, child]) => [key, withArrayKeys(child)]));
  }
  return value;
}

/** The dataset as the transaction sees it so far: stored documents overlaid with this transaction's changes. */
class WorkingCopy {
  readonly touched: string[] = [];
  private readonly store: DatasetStore;
  private readonly overlay = new Map<string, SanityDoc | null>();

  constructor(store: DatasetStore) {
    this.store = store;
  }

  get(id: string): SanityDoc | null {
    return this.overlay.has(id) ? (this.overlay.get(id) ?? null) : (this.store.get(id) ?? null);
  }

  set(id: string, doc: SanityDoc | null): void {
    if (!this.overlay.has(id)) this.touched.push(id);
    this.overlay.set(id, doc);
  }

  /** Ids of the documents a GROQ query selects, evaluated over the working copy (raw: drafts included). */
  async select(query: string, params: QueryParams, options: TransactionOptions): Promise<string[]> {
    const docs = new Map<string, SanityDoc>();
    for (const doc of this.store.all()) docs.set(doc._id, doc);
    for (const [id, doc] of this.overlay) {
      if (doc === null) docs.delete(id);
      else docs.set(id, doc);
    }
    const dataset = [...docs.values()].sort((a, b) => (a._id < b._id ? -1 : a._id > b._id ? 1 : 0));
    const tree = parseQuery(query, params);
    const result = await evaluateQuery(tree, {
      dataset,
      params,
      projectId: options.projectId,
      datasetName: this.store.name,
      identity: options.identity,
    });
    const list = Array.isArray(result) ? result : result === null ? [] : [result];
    const ids: string[] = [];
    for (const item of list) {
      if (!isDoc(item))
        throw new ItemError(
          400,
          'validationError',
          `The query ${JSON.stringify(query)} must select documents (objects with an _id), but it returned ${describe(item)}`,
        );
      if (!ids.includes(item._id)) ids.push(item._id);
    }
    return ids;
  }
}

function kindOf(mutation: unknown): [MutationKind, Record<string, unknown>] {
  if (typeof mutation !== 'object' || mutation === null || Array.isArray(mutation)) {
    throw new ItemError(
      400,
      'validationError',
      `Each mutation must be an object like {"create": {...}}, received ${describe(mutation)}`,
    );
  }
  const keys = Object.keys(mutation);
  const kind = MUTATION_KINDS.find((name) => keys.includes(name));
  if (keys.length !== 1 || kind === undefined) {
    throw new ItemError(
      400,
      'validationError',
      `Unknown mutation ${JSON.stringify(keys)}: expected exactly one of ${MUTATION_KINDS.join(', ')}`,
    );
  }
  const body = (mutation as Record<string, unknown>)[kind];
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new ItemError(400, 'validationError', `"${kind}" must be an object, received ${describe(body)}`);
  }
  return [kind, body as Record<string, unknown>];
}

function applyCreate(
  work: WorkingCopy,
  kind: 'create' | 'createOrReplace' | 'createIfNotExists',
  body: Record<string, unknown>,
  record: (id: string, mutation: Record<string, unknown>) => void,
): MutationResult {
  const id = resolveId(kind, body['_id']);
  if (typeof body['_type'] !== 'string' || body['_type'] === '') {
    throw new ItemError(
      400,
      'validationError',
      `Document "${id}" has no "_type": ${kind} needs a non-empty string _type`,
    );
  }
  const existing = work.get(id);
  if (kind === 'create' && existing !== null) {
    throw new ItemError(409, 'documentAlreadyExistsError', `Document by ID "${id}" already exists`, { id });
  }
  if (kind === 'createIfNotExists' && existing !== null) return { id, operation: 'none' };
  const { _rev: _ignoredRev, _updatedAt: _ignoredUpdatedAt, ...fields } = body;
  const doc: SanityDoc = { ...structuredClone(fields), _id: id, _type: body['_type'] };
  if (existing?._createdAt !== undefined && doc._createdAt === undefined) doc._createdAt = existing._createdAt;
  work.set(id, doc);
  record(id, { [kind]: { ...doc } });
  return { id, operation: existing === null ? 'create' : 'update' };
}

/** Sanity's id rules: missing -> random id; ending with `.` -> that prefix plus a random id; otherwise as given. */
function resolveId(kind: string, raw: unknown): string {
  if (raw === undefined || raw === null || raw === '') {
    if (kind !== 'create') throw new ItemError(400, 'validationError', `${kind} requires an "_id"`);
    return randomId();
  }
  if (typeof raw !== 'string')
    throw new ItemError(400, 'validationError', `"_id" must be a string, received ${describe(raw)}`);
  const id = raw.endsWith('.') ? `${raw}${randomId()}` : raw;
  if (!isValidDocumentId(id)) {
    throw new ItemError(
      400,
      'validationError',
      `Malformed document ID: "${id}" (expected letters, digits, "_", "-" and "."-separated paths, at most 128 characters)`,
    );
  }
  return id;
}

async function targetIds(
  work: WorkingCopy,
  kind: string,
  body: Record<string, unknown>,
  options: TransactionOptions,
): Promise<{ ids: string[]; byQuery: boolean }> {
  if (typeof body['id'] === 'string') {
    if (!isValidDocumentId(body['id']))
      throw new ItemError(400, 'validationError', `Malformed document ID: "${body['id']}"`);
    return { ids: [body['id']], byQuery: false };
  }
  if (typeof body['query'] === 'string') {
    const params = body['params'] ?? {};
    if (typeof params !== 'object' || params === null || Array.isArray(params)) {
      throw new ItemError(400, 'validationError', `${kind}.params must be an object, received ${describe(params)}`);
    }
    return { ids: await work.select(body['query'], params as QueryParams, options), byQuery: true };
  }
  throw new ItemError(
    400,
    'validationError',
    `${kind} needs "id" (a document id) or "query" (GROQ), received keys ${JSON.stringify(Object.keys(body))}`,
  );
}

async function applyDelete(
  work: WorkingCopy,
  body: Record<string, unknown>,
  options: TransactionOptions,
  record: (id: string, mutation: Record<string, unknown>) => void,
): Promise<MutationResult[]> {
  const { ids } = await targetIds(work, 'delete', body, options);
  return ids.map((id) => {
    // Deleting a document that is already gone succeeds, as in Sanity; only an existing one makes a change.
    if (work.get(id) !== null) {
      work.set(id, null);
      record(id, { delete: { id } });
    }
    return { id, operation: 'delete' };
  });
}

async function applyPatch(
  work: WorkingCopy,
  body: Record<string, unknown>,
  options: TransactionOptions,
  record: (id: string, mutation: Record<string, unknown>) => void,
): Promise<MutationResult[]> {
  const operations: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(body)) {
    if (PATCH_SELECTORS.has(key)) continue;
    if (!PATCH_OPERATIONS.has(key)) {
      throw new ItemError(
        400,
        'validationError',
        `Unknown patch operation "${key}": expected ${[...PATCH_OPERATIONS].join(', ')}`,
      );
    }
    operations[key] = value;
  }
  const { ids, byQuery } = await targetIds(work, 'patch', body, options);
  const ifRevisionID = body['ifRevisionID'];
  const results: MutationResult[] = [];
  for (const id of ids) {
    const current = work.get(id);
    if (current === null) {
      if (byQuery) continue;
      throw new ItemError(
        404,
        'documentNotFoundError',
        `Cannot patch document "${id}": it does not exist (create it first, or use createIfNotExists)`,
        { id },
      );
    }
    if (typeof ifRevisionID === 'string' && current._rev !== ifRevisionID) {
      throw new ItemError(
        409,
        'documentRevisionIDDoesNotMatchError',
        `Document "${id}" has unexpected revision ID ("${String(current._rev)}"), expected "${ifRevisionID}"`,
        {
          id,
          currentRevisionID: current._rev ?? null,
          expectedRevisionID: ifRevisionID,
        },
      );
    }
    const patch = { ...structuredClone(operations), id };
    let patched: SanityDoc | null;
    try {
      patched = new Mutation({ mutations: [{ patch }] }).apply(
        structuredClone(current) as Parameters<Mutation['apply']>[0],
      );
    } catch (error) {
      throw new ItemError(400, 'validationError', `Patch of "${id}" failed: ${messageOf(error)}`, { id });
    }
    if (patched === null)
      throw new ItemError(400, 'validationError', `Patch of "${id}" removed the whole document; use delete instead`, {
        id,
      });
    // A patch may not rename the document or drop its type; the system fields are recomputed at commit.
    const type = typeof patched._type === 'string' && patched._type !== '' ? patched._type : current._type;
    work.set(id, type === undefined ? { ...patched, _id: id } : { ...patched, _id: id, _type: type });
    record(id, { patch });
    results.push({ id, operation: 'update' });
  }
  return results;
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value);
  return text.length > 80 ? `${text.slice(0, 80)}…` : text;
}

/** A transaction after it was written: what listeners and webhooks are told about. */
export interface CommittedTransaction extends PreparedTransaction {
  store: DatasetStore;
  projectId: string;
  identity: string;
  /** Each changed document's mendoza effect (per field, without `_rev`), as listeners and the history log give it. */
  effects: ReadonlyMap<string, Effect>;
}

/** Who runs a transaction, and who is told once it is written. */
export interface TransactionParty {
  projectId: string;
  /** The caller's identity (GROQ `identity()`, listener events' `identity`). */
  identity: string;
  /** Told of each written transaction (not of dry runs, nor of transactions that change nothing): listeners, webhooks. */
  announce(committed: CommittedTransaction): void;
}

/** How a transaction is run besides its mutations. */
export interface RunOptions {
  transactionId: string;
  dryRun: boolean;
  autoGenerateArrayKeys: boolean;
}

/**
 * Runs mutations as one transaction on a dataset, one transaction at a time: works them out, writes them durably
 * (unless `dryRun`), then tells the party's listeners and webhooks. Returns what happened.
 */
export async function runTransaction(
  store: DatasetStore,
  mutations: unknown,
  options: RunOptions,
  party: TransactionParty,
): Promise<PreparedTransaction> {
  return commitTransaction(store, options, party, (transactionOptions) =>
    prepareTransaction(store, mutations, transactionOptions),
  );
}

/** `runTransaction` for any way of working a transaction out (mutations, actions): `prepare` runs under the dataset's lock. */
export async function commitTransaction(
  store: DatasetStore,
  options: RunOptions,
  party: TransactionParty,
  prepare: (options: TransactionOptions) => Promise<PreparedTransaction>,
): Promise<PreparedTransaction> {
  const { transactionId, dryRun } = options;
  const prepared = await store.exclusive(async () => {
    if (store.hasTransaction(transactionId)) {
      throw dataError(
        409,
        'conflictError',
        `Transaction ID "${transactionId}" has already been used in dataset "${store.name}"; transaction ids must be unique`,
      );
    }
    const transaction = await prepare({
      transactionId,
      timestamp: sanityTimestamp(),
      autoGenerateArrayKeys: options.autoGenerateArrayKeys,
      projectId: party.projectId,
      identity: party.identity,
    });
    if (dryRun || transaction.changes.length === 0) return { transaction, effects: undefined };
    const effects = new Map(transaction.changes.map((change) => [change.id, effectOf(change)]));
    await store.commit(transaction.transactionId, transaction.timestamp, transaction.changes);
    await store.recordHistory({ ...transaction, identity: party.identity, effects });
    return { transaction, effects };
  });
  if (prepared.effects !== undefined)
    party.announce({
      ...prepared.transaction,
      store,
      projectId: party.projectId,
      identity: party.identity,
      effects: prepared.effects,
    });
  return prepared.transaction;
}
