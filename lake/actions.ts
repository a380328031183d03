import { mutationError } from './errors.ts';
import { isDraftId, isValidDocumentId, isVersionId, publishedIdOf } from './ids.ts';
import { strengthenOnPublish } from './references.ts';
import type { DatasetStore } from './store.ts';
import type { SanityDoc } from './types.ts';
import {
  asTransactionError,
  ItemError,
  TransactionDraft,
  type PreparedTransaction,
  type TransactionOptions,
} from './transaction.ts';

// Sanity's Actions API (`POST /data/actions/:dataset`), which the Studio uses for every edit and publish, done here
// by turning each action into the mutations it stands for and applying them all in one transaction. Listeners and
// webhooks then see ordinary mutations (a publish is a `createOrReplace` of the published id and a `delete` of the
// draft in one transaction), which is also what Sanity's listener reports.

/** The action types the lake implements. */
export const ACTION_TYPES = [
  'sanity.action.document.create',
  'sanity.action.document.edit',
  'sanity.action.document.replaceDraft',
  'sanity.action.document.publish',
  'sanity.action.document.unpublish',
  'sanity.action.document.discard',
  'sanity.action.document.delete',
  'sanity.action.document.version.create',
  'sanity.action.document.version.discard',
  'sanity.action.document.version.replace',
] as const;

type ActionType = (typeof ACTION_TYPES)[number];
type Mutation = Record<string, Record<string, unknown>>;
/** Reads a document as the transaction sees it so far. */
type Lookup = (id: string) => SanityDoc | null;

/** The permission an action needs, as Sanity names it in an insufficient-permissions error. */
export function permissionForAction(action: unknown): 'create' | 'update' | 'delete' {
  const type = isRecord(action) ? action['actionType'] : undefined;
  if (type === 'sanity.action.document.create' || type === 'sanity.action.document.version.create') return 'create';
  if (
    type === 'sanity.action.document.discard' ||
    type === 'sanity.action.document.delete' ||
    type === 'sanity.action.document.version.discard'
  )
    return 'delete';
  return 'update';
}

/**
 * Works out a list of actions as one transaction: each action becomes mutations applied after the previous
 * action's, so `[create, edit]` edits the draft it just created. The first failing action throws Sanity's
 * `mutationError` naming its index; nothing is written.
 */
export async function prepareActions(
  store: DatasetStore,
  actions: unknown,
  options: TransactionOptions,
): Promise<PreparedTransaction> {
  if (!Array.isArray(actions) || actions.length === 0) {
    throw mutationError(400, [
      {
        index: 0,
        error: {
          type: 'validationError',
          description: `"actions" must be a non-empty array of actions, received ${describe(actions)}`,
        },
      },
    ]);
  }
  const draft = new TransactionDraft(store, options);
  for (const [index, action] of actions.entries()) {
    try {
      for (const mutation of mutationsForAction(action, (id) => draft.get(id))) await draft.apply(mutation, index);
    } catch (error) {
      throw asTransactionError(error, index);
    }
  }
  return draft.finish();
}

/**
 * The mutations one action stands for, given the documents as the transaction sees them. Throws `ItemError` with
 * Sanity's error types (404 `documentNotFoundError`, 409 `documentAlreadyExistsError` or a revision mismatch, 400
 * `validationError`) when the action cannot apply.
 */
export function mutationsForAction(action: unknown, get: Lookup): Mutation[] {
  if (!isRecord(action))
    throw new ItemError(
      400,
      'validationError',
      `Each action must be an object with an "actionType", received ${describe(action)}`,
    );
  const type = action['actionType'];
  if (typeof type !== 'string' || !isActionType(type)) {
    throw new ItemError(
      400,
      'validationError',
      `Unknown actionType ${describe(type)}: the lake implements ${ACTION_TYPES.join(', ')} (releases and variants are not implemented)`,
    );
  }
  switch (type) {
    case 'sanity.action.document.create':
      return create(action, get);
    case 'sanity.action.document.edit':
      return edit(action, get);
    case 'sanity.action.document.replaceDraft':
      return replaceDraft(action);
    case 'sanity.action.document.publish':
      return publish(action, get);
    case 'sanity.action.document.unpublish':
      return unpublish(action, get);
    case 'sanity.action.document.discard':
      return discard(action, get, 'draftId');
    case 'sanity.action.document.delete':
      return deleteGroup(action, get);
    case 'sanity.action.document.version.create':
      return createVersion(action, get);
    case 'sanity.action.document.version.discard':
      return discard(action, get, 'versionId');
    case 'sanity.action.document.version.replace':
      return replaceVersion(action);
  }
}

function isActionType(type: string): type is ActionType {
  return (ACTION_TYPES as readonly string[]).includes(type);
}

/** `create`: a new draft (or release version) of `publishedId`; `ifExists: 'ignore'` makes an existing one a no-op. */
function create(action: Record<string, unknown>, get: Lookup): Mutation[] {
  const publishedId = idField(action, 'publishedId', 'published');
  const attributes = objectField(action, 'attributes');
  const id = attributes['_id'];
  if (typeof id !== 'string' || !belongsTo(id, publishedId)) {
    throw new ItemError(
      400,
      'validationError',
      `create: attributes._id must be "drafts.${publishedId}" or "versions.<release>.${publishedId}", received ${describe(id)}`,
    );
  }
  const ifExists = action['ifExists'] ?? 'fail';
  if (ifExists !== 'fail' && ifExists !== 'ignore')
    throw new ItemError(
      400,
      'validationError',
      `create: ifExists must be "fail" or "ignore", received ${describe(ifExists)}`,
    );
  if (get(id) !== null) {
    if (ifExists === 'ignore') return [];
    throw new ItemError(409, 'documentAlreadyExistsError', `Document by ID "${id}" already exists`, { id });
  }
  return [{ create: attributes }];
}

/** `edit`: patches the draft; a missing draft is first copied from the published document, as in Sanity. */
function edit(action: Record<string, unknown>, get: Lookup): Mutation[] {
  const publishedId = idField(action, 'publishedId', 'published');
  const draftId = versionIdField(action, 'draftId', publishedId);
  const patch = objectField(action, 'patch');
  for (const selector of ['id', 'query', 'params']) {
    if (selector in patch)
      throw new ItemError(
        400,
        'validationError',
        `edit: the patch may not carry "${selector}"; the action's draftId says what it edits`,
      );
  }
  const mutations: Mutation[] = [];
  if (get(draftId) === null) {
    const published = get(publishedId);
    if (published === null) {
      throw new ItemError(
        404,
        'documentNotFoundError',
        `Cannot edit "${draftId}": neither it nor the published document "${publishedId}" exists (create the draft first)`,
        { id: draftId },
      );
    }
    mutations.push({ createIfNotExists: copyAs(published, draftId) });
  }
  mutations.push({ patch: { ...patch, id: draftId } });
  return mutations;
}

/** `replaceDraft`: the draft becomes exactly `attributes`. */
function replaceDraft(action: Record<string, unknown>): Mutation[] {
  const publishedId = idField(action, 'publishedId', 'published');
  const attributes = objectField(action, 'attributes');
  const id = attributes['_id'];
  if (typeof id !== 'string' || !belongsTo(id, publishedId)) {
    throw new ItemError(
      400,
      'validationError',
      `replaceDraft: attributes._id must be "drafts.${publishedId}", received ${describe(id)}`,
    );
  }
  return [{ createOrReplace: attributes }];
}

/**
 * `publish`: the published document becomes the draft's content and the draft is deleted, in the same transaction.
 * References the Studio wrote weak until publish (`_strengthenOnPublish`) become strong, as Sanity does.
 */
function publish(action: Record<string, unknown>, get: Lookup): Mutation[] {
  const publishedId = idField(action, 'publishedId', 'published');
  const draftId = versionIdField(action, 'draftId', publishedId);
  const draft = get(draftId);
  if (draft === null)
    throw new ItemError(
      404,
      'documentNotFoundError',
      `Cannot publish "${publishedId}": its draft "${draftId}" does not exist`,
      { id: draftId },
    );
  checkRevision(draft, action['ifDraftRevisionId'], draftId);
  const published = get(publishedId);
  const expectedPublished = action['ifPublishedRevisionId'];
  if (expectedPublished !== undefined && expectedPublished !== null) {
    if (published === null) {
      throw new ItemError(
        409,
        'documentRevisionIDDoesNotMatchError',
        `Document "${publishedId}" was expected at revision "${String(expectedPublished)}" but is not published`,
        {
          id: publishedId,
          currentRevisionID: null,
          expectedRevisionID: expectedPublished,
        },
      );
    }
    checkRevision(published, expectedPublished, publishedId);
  }
  return [
    { createOrReplace: strengthenOnPublish(copyAs(draft, publishedId)) as Record<string, unknown> },
    { delete: { id: draftId } },
  ];
}

/** `unpublish`: the published document goes; its content is kept as the draft when there is no draft yet. */
function unpublish(action: Record<string, unknown>, get: Lookup): Mutation[] {
  const publishedId = idField(action, 'publishedId', 'published');
  const draftId = versionIdField(action, 'draftId', publishedId);
  const published = get(publishedId);
  if (published === null)
    throw new ItemError(404, 'documentNotFoundError', `Cannot unpublish "${publishedId}": it is not published`, {
      id: publishedId,
    });
  const mutations: Mutation[] = [];
  if (get(draftId) === null) mutations.push({ createIfNotExists: copyAs(published, draftId) });
  mutations.push({ delete: { id: publishedId } });
  return mutations;
}

/** `discard` (a draft) and `version.discard`: deletes that one document, which must exist. */
function discard(action: Record<string, unknown>, get: Lookup, field: 'draftId' | 'versionId'): Mutation[] {
  const id = idField(action, field, 'draft');
  if (!isDraftId(id) && !isVersionId(id))
    throw new ItemError(
      400,
      'validationError',
      `${field} must be a draft or version id ("drafts.…" or "versions.<release>.…"), received "${id}"`,
    );
  if (get(id) === null)
    throw new ItemError(404, 'documentNotFoundError', `Cannot discard "${id}": it does not exist`, { id });
  return [{ delete: { id } }];
}

/** `delete`: the published document and the drafts named in `includeDrafts`. */
function deleteGroup(action: Record<string, unknown>, get: Lookup): Mutation[] {
  const publishedId = idField(action, 'publishedId', 'published');
  const includeDrafts = action['includeDrafts'] ?? [];
  if (
    !Array.isArray(includeDrafts) ||
    !includeDrafts.every((id): id is string => typeof id === 'string' && belongsTo(id, publishedId))
  ) {
    throw new ItemError(
      400,
      'validationError',
      `delete: includeDrafts must list draft or version ids of "${publishedId}", received ${describe(includeDrafts)}`,
    );
  }
  const ids = [publishedId, ...includeDrafts].filter((id) => get(id) !== null);
  if (ids.length === 0)
    throw new ItemError(404, 'documentNotFoundError', `Cannot delete "${publishedId}": no such document`, {
      id: publishedId,
    });
  return ids.map((id) => ({ delete: { id } }));
}

/** `version.create`: a release version, given whole (`document`) or copied from `baseId` into `versionId`. */
function createVersion(action: Record<string, unknown>, get: Lookup): Mutation[] {
  const publishedId = idField(action, 'publishedId', 'published');
  if (isRecord(action['document'])) {
    const document = action['document'];
    if (
      typeof document['_id'] !== 'string' ||
      !isVersionId(document['_id']) ||
      publishedIdOf(document['_id']) !== publishedId
    ) {
      throw new ItemError(
        400,
        'validationError',
        `version.create: document._id must be "versions.<release>.${publishedId}", received ${describe(document['_id'])}`,
      );
    }
    return [{ create: document }];
  }
  const baseId = idField(action, 'baseId', 'base');
  const versionId = versionIdField(action, 'versionId', publishedId);
  const base = get(baseId);
  if (base === null)
    throw new ItemError(
      404,
      'documentNotFoundError',
      `Cannot create "${versionId}" from "${baseId}": it does not exist`,
      { id: baseId },
    );
  checkRevision(base, action['ifBaseRevisionId'], baseId);
  return [{ create: copyAs(base, versionId) }];
}

/** `version.replace`: the version becomes exactly `document`. */
function replaceVersion(action: Record<string, unknown>): Mutation[] {
  const document = objectField(action, 'document');
  if (typeof document['_id'] !== 'string' || !isVersionId(document['_id'])) {
    throw new ItemError(
      400,
      'validationError',
      `version.replace: document._id must be a version id ("versions.<release>.…"), received ${describe(document['_id'])}`,
    );
  }
  return [{ createOrReplace: document }];
}

/** A document's content under another id, without the fields the transaction sets itself. */
function copyAs(doc: SanityDoc, id: string): Record<string, unknown> {
  const { _rev: _rev, _updatedAt: _updatedAt, _originalId: _originalId, ...content } = doc;
  return { ...structuredClone(content), _id: id };
}

function checkRevision(doc: SanityDoc, expected: unknown, id: string): void {
  if (expected === undefined || expected === null) return;
  if (doc._rev !== expected) {
    throw new ItemError(
      409,
      'documentRevisionIDDoesNotMatchError',
      `Document "${id}" has unexpected revision ID ("${String(doc._rev)}"), expected "${String(expected)}"`,
      {
        id,
        currentRevisionID: doc._rev ?? null,
        expectedRevisionID: expected,
      },
    );
  }
}

/** Whether `id` is the draft or a release version of `publishedId`. */
function belongsTo(id: string, publishedId: string): boolean {
  return (isDraftId(id) || isVersionId(id)) && publishedIdOf(id) === publishedId;
}

function idField(action: Record<string, unknown>, field: string, kind: 'published' | 'draft' | 'base'): string {
  const value = action[field];
  if (typeof value !== 'string' || !isValidDocumentId(value))
    throw new ItemError(
      400,
      'validationError',
      `${String(action['actionType'])}: "${field}" must be a document id, received ${describe(value)}`,
    );
  if (kind === 'published' && (isDraftId(value) || isVersionId(value))) {
    throw new ItemError(
      400,
      'validationError',
      `${String(action['actionType'])}: "${field}" must be a published id (no "drafts." or "versions." prefix), received "${value}"`,
    );
  }
  return value;
}

function versionIdField(action: Record<string, unknown>, field: string, publishedId: string): string {
  const value = idField(action, field, 'draft');
  if (!belongsTo(value, publishedId)) {
    throw new ItemError(
      400,
      'validationError',
      `${String(action['actionType'])}: "${field}" must be "drafts.${publishedId}" or "versions.<release>.${publishedId}", received "${value}"`,
    );
  }
  return value;
}

function objectField(action: Record<string, unknown>, field: string): Record<string, unknown> {
  const value = action[field];
  if (!isRecord(value))
    throw new ItemError(
      400,
      'validationError',
      `${String(action['actionType'])}: "${field}" must be an object, received ${describe(value)}`,
    );
  return value;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value);
  return text.length > 80 ? `${text.slice(0, 80)}…` : text;
}
