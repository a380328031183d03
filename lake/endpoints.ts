import { permissionForAction, prepareActions } from './actions.ts';
import {
  readsPrivate,
  requireAdministrator,
  requireAuthenticated,
  requireCommentCreates,
  requireWriter,
} from './auth.ts';
import { transactionPartyOf, type LakeCall } from './context.ts';
import { isValidDatasetName } from './datasets.ts';
import { apiError, dataError } from './errors.ts';
import { paramsFromSearch, type QueryParams } from './groq.ts';
import { corsHeaders, readJson, sendJson, sendJsonText } from './http.ts';
import { isPrivateId, publishedIdOf, randomId } from './ids.ts';
import { defaultsToPublished, needsAuth, perspectiveFrom } from './perspective.ts';
import { checkQuerySize } from './query-limits.ts';
import type { Params } from './router.ts';
import { commitTransaction, permissionFor, runTransaction } from './transaction.ts';
import type { SanityDoc } from './types.ts';

// The data API (`/data/{query,doc,mutate,actions,listen,export,references}/:dataset`) and dataset management
// (`/datasets[/:name]`). Which method and path reach which handler is in routes.ts.

/**
 * `/data/:endpoint` or `/data` with no dataset: 404, naming the paths the data API serves. (A known endpoint with a
 * dataset but another method answers 405, from the route table.)
 */
export function noDataset(call: LakeCall): never {
  throw apiError(
    404,
    `No route for ${call.method} /data/${call.segments[1] ?? ''}: expected /data/{query,doc,mutate,actions,listen,export,references}/:dataset`,
  );
}

/** `/data/:endpoint/:dataset` for an endpoint the lake does not have: 404, naming those it has. */
export function noDataEndpoint(call: LakeCall, { endpoint, dataset }: Params<'endpoint' | 'dataset'>): never {
  throw apiError(
    404,
    `No route for ${call.method} /data/${endpoint}/${dataset}: the lake serves query, doc, mutate, actions, listen, export and references`,
  );
}

/** `GET` or `POST /data/query/:dataset`: a GROQ query, run in a query worker within its time budget. */
export async function query(call: LakeCall, { dataset: datasetName }: Params<'dataset'>): Promise<number> {
  const store = await call.ctx.datasets.require(datasetName);
  let source: unknown;
  let params: QueryParams;
  let perspectiveParam = call.search.get('perspective');
  if (call.method === 'POST') {
    const body = await readJson(call);
    if (!isRecord(body))
      throw dataError(
        400,
        'httpBadRequest',
        `Query body must be a JSON object {"query": "...", "params": {...}}, received ${describeJson(body)}`,
      );
    source = body['query'];
    const bodyParams = body['params'] ?? {};
    if (!isRecord(bodyParams))
      throw dataError(400, 'httpBadRequest', `"params" must be a JSON object, received ${describeJson(bodyParams)}`);
    params = bodyParams;
    const bodyPerspective = body['perspective'];
    if (perspectiveParam === null && typeof bodyPerspective === 'string') perspectiveParam = bodyPerspective;
    if (perspectiveParam === null && Array.isArray(bodyPerspective)) perspectiveParam = bodyPerspective.join(',');
  } else {
    source = call.search.get('query');
    params = paramsFromSearch(call.search);
  }
  if (typeof source !== 'string' || source.trim() === '') {
    throw dataError(400, 'httpBadRequest', 'Missing "query": send ?query=<GROQ> (GET) or {"query": "<GROQ>"} (POST)');
  }
  const { perspective, explicit } = perspectiveFrom(perspectiveParam, call.apiVersion);
  if (explicit && needsAuth(perspective))
    requireAuthenticated(call.caller, `The "${perspectiveParam ?? ''}" perspective (it shows drafts)`);
  // Refused here, before a worker is busy with it; the rest runs in a query worker within its time budget.
  checkQuerySize(source);
  const { json, ms } = await call.ctx.queries.query(store, {
    source,
    params,
    perspective,
    anonymous: !readsPrivate(call.caller),
    projectId: call.projectId,
    datasetName,
    identity: call.caller.identity,
  });
  // The worker sends the result as JSON text, so the main thread never walks a large result.
  const head = call.search.get('returnQuery') === 'false' ? '' : `"query":${JSON.stringify(source)},`;
  return sendJsonText(call.req, call.res, 200, `{${head}"result":${json},"ms":${ms}}`);
}

/** `GET /data/doc/:dataset/:ids`: documents by id, and which were omitted and why. */
export async function doc(call: LakeCall, { dataset: datasetName }: Params<'dataset'>): Promise<number> {
  const store = await call.ctx.datasets.require(datasetName);
  const list = call.segments[3];
  if (list === undefined || list === '' || call.segments.length > 4) {
    throw dataError(
      400,
      'httpBadRequest',
      'Expected /data/doc/:dataset/:ids with one or more comma-separated document ids',
    );
  }
  const ids = list.split(',').filter((id) => id !== '');
  const anonymous = !readsPrivate(call.caller);
  const includeAllVersions = call.search.get('includeAllVersions') === 'true';
  const excludeContent = call.search.get('excludeContent') === 'true';
  const documents: SanityDoc[] = [];
  const omitted: { id: string; reason: 'existence' | 'permission' }[] = [];
  for (const id of ids) {
    // Private ids (drafts, versions, any dotted path) are omitted for anonymous readers, as Sanity does.
    if (anonymous && isPrivateId(id)) {
      omitted.push({ id, reason: 'permission' });
      continue;
    }
    const found = includeAllVersions
      ? variantsOf(store.all(), id, anonymous)
      : [store.get(id)].filter((d) => d !== undefined);
    if (found.length === 0) omitted.push({ id, reason: 'existence' });
    else if (!excludeContent) documents.push(...found);
  }
  return sendJson(call.req, call.res, 200, { documents, omitted });
}

/** At most this many referring documents are listed; `totalCount` still counts them all. */
const LISTED_REFERENCES = 100;

/**
 * `GET /data/references/:dataset/documents/:id/to`: the documents that strongly reference `id`, from the dataset's
 * reverse index, as `{totalCount, references: [{documentId, datasetName, projectId}]}`. The Studio's delete and
 * unpublish dialogs ask with `excludeInternalReferences=true`, for references from other datasets only: the lake
 * has none, so that answer is empty (the dialogs find the dataset's own referrers with a GROQ `references()` query).
 * Anonymous callers see only published referrers.
 */
export async function referencesTo(call: LakeCall, { dataset: datasetName }: Params<'dataset'>): Promise<number> {
  const [, , , kind, id, direction] = call.segments;
  if (kind !== 'documents' || id === undefined || id === '' || direction !== 'to' || call.segments.length !== 6) {
    throw dataError(
      400,
      'httpBadRequest',
      `Expected /data/references/${datasetName}/documents/<document id>/to, received /${call.segments.join('/')}`,
    );
  }
  const store = await call.ctx.datasets.require(datasetName);
  if (call.search.get('excludeInternalReferences') === 'true')
    return sendJson(call.req, call.res, 200, { totalCount: 0, references: [] });
  const anonymous = !readsPrivate(call.caller);
  const referrers = store.strongReferrers(id).filter((referrer) => !(anonymous && isPrivateId(referrer)));
  const references = referrers
    .slice(0, LISTED_REFERENCES)
    .map((documentId) => ({ documentId, datasetName, projectId: call.projectId }));
  return sendJson(call.req, call.res, 200, { totalCount: referrers.length, references });
}

function variantsOf(all: Iterable<SanityDoc>, id: string, anonymous: boolean): SanityDoc[] {
  const published = publishedIdOf(id);
  const out: SanityDoc[] = [];
  for (const candidate of all) {
    if (publishedIdOf(candidate._id) === published && !(anonymous && isPrivateId(candidate._id))) out.push(candidate);
  }
  return out.sort((a, b) => (a._id < b._id ? -1 : 1));
}

/** `POST /data/mutate/:dataset` `{mutations, transactionId?}`: the mutations as one transaction. */
export async function mutate(call: LakeCall, { dataset: datasetName }: Params<'dataset'>): Promise<number> {
  const commenter = call.caller.role === 'commenter';
  if (!commenter) requireAuthenticated(call.caller, 'Writing documents');
  const body = await readJson(call);
  if (!isRecord(body))
    throw dataError(
      400,
      'httpBadRequest',
      `Mutate body must be a JSON object {"mutations": [...]}, received ${describeJson(body)}`,
    );
  if (commenter) requireCommentCreates(call.caller, body['mutations']);
  else requireWriter(call.caller, permissionFor(Array.isArray(body['mutations']) ? body['mutations'][0] : undefined));
  const search = call.search;
  const visibility = search.get('visibility') ?? 'sync';
  if (!['sync', 'async', 'deferred'].includes(visibility)) {
    throw dataError(400, 'httpBadRequest', `Invalid visibility "${visibility}": expected sync, async or deferred`);
  }
  const transactionId = transactionIdFrom(body['transactionId'] ?? search.get('transactionId') ?? undefined);
  const dryRun = search.get('dryRun') === 'true';
  const returnIds = search.get('returnIds') === 'true';
  const returnDocuments = search.get('returnDocuments') === 'true';
  const store = await call.ctx.datasets.forWrite(datasetName, call.caller, dryRun);
  const options = { transactionId, dryRun, autoGenerateArrayKeys: search.get('autoGenerateArrayKeys') === 'true' };
  const prepared = await runTransaction(store, body['mutations'], options, transactionPartyOf(call));
  const finalDocs = new Map(prepared.changes.map((change) => [change.id, change.after]));
  const results =
    returnIds || returnDocuments
      ? prepared.results.map(({ id, operation }) => {
          const result: Record<string, unknown> = { id, operation };
          if (returnDocuments && operation !== 'delete') {
            const document = finalDocs.has(id) ? finalDocs.get(id) : store.get(id);
            if (document !== null && document !== undefined) result['document'] = document;
          }
          return result;
        })
      : [];
  return sendJson(call.req, call.res, 200, { transactionId: prepared.transactionId, results });
}

/** `POST /data/actions/:dataset` `{actions, transactionId?, dryRun?}`: Sanity's Actions API, all actions in one transaction. */
export async function actions(call: LakeCall, { dataset: datasetName }: Params<'dataset'>): Promise<number> {
  requireAuthenticated(call.caller, 'Running actions');
  const body = await readJson(call);
  if (!isRecord(body))
    throw dataError(
      400,
      'httpBadRequest',
      `Actions body must be a JSON object {"actions": [...]}, received ${describeJson(body)}`,
    );
  const list = body['actions'];
  for (const action of Array.isArray(list) ? list : []) requireWriter(call.caller, permissionForAction(action));
  const transactionId = transactionIdFrom(body['transactionId'] ?? undefined);
  const dryRun = body['dryRun'] === true || call.search.get('dryRun') === 'true';
  const store = await call.ctx.datasets.forWrite(datasetName, call.caller, dryRun);
  const prepared = await commitTransaction(
    store,
    { transactionId, dryRun, autoGenerateArrayKeys: false },
    transactionPartyOf(call),
    (options) => prepareActions(store, list, options),
  );
  return sendJson(call.req, call.res, 200, { transactionId: prepared.transactionId });
}

function transactionIdFrom(raw: unknown): string {
  if (raw === undefined) return randomId();
  if (typeof raw !== 'string' || !/^[A-Za-z0-9._-]{1,128}$/.test(raw)) {
    throw dataError(
      400,
      'httpBadRequest',
      `Invalid transactionId ${describeJson(raw)}: expected 1-128 letters, digits, ".", "_" or "-"`,
    );
  }
  return raw;
}

/** `GET /data/listen/:dataset?query=<filter>`: a server-sent event stream of the mutations the filter selects. */
export async function listen(call: LakeCall, { dataset: datasetName }: Params<'dataset'>): Promise<number> {
  await call.ctx.datasets.require(datasetName);
  const { search, caller } = call;
  const source = search.get('query');
  if (source === null || source.trim() === '')
    throw dataError(
      400,
      'httpBadRequest',
      'Missing "query": listen needs ?query=<GROQ filter>, e.g. *[_type == "story"]',
    );
  const params = paramsFromSearch(search);
  const anonymous = !readsPrivate(caller);
  const flag = (name: string, fallback: boolean): boolean => {
    const value = search.get(name);
    return value === null ? fallback : value === 'true';
  };
  // Since v2025-02-19 listeners hear about published documents only, unless includeAllVersions=true.
  const includeAllVersions = !anonymous && flag('includeAllVersions', !defaultsToPublished(call.apiVersion));
  const { req, res, ctx } = call;
  res.writeHead(200, {
    ...corsHeaders(req),
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    'x-accel-buffering': 'no',
  });
  let open = true;
  const sink = {
    send(event: string, data: unknown, id?: string): void {
      if (!open) return;
      res.write(`event: ${event}\n${id === undefined ? '' : `id: ${id}\n`}data: ${JSON.stringify(data)}\n\n`);
    },
    close(): void {
      if (open) res.end();
      open = false;
    },
  };
  let remove = (): void => undefined;
  // eslint-disable-next-line prefer-const -- set once the stream is open, below; the close handler may run first
  let heartbeat: NodeJS.Timeout | undefined;
  res.on('close', () => {
    open = false;
    clearInterval(heartbeat);
    remove();
  });
  try {
    // Parsed once in a query worker (with its budget), which also keeps the parsed filter for later commits.
    checkQuerySize(source);
    await ctx.queries.match({
      source,
      params,
      docs: [],
      projectId: call.projectId,
      datasetName,
      identity: caller.identity,
    });
  } catch (error) {
    // An open stream carries errors as `channelError` events, which the client turns into a ChannelError.
    const body = (error as { body?: unknown }).body ?? { message: String(error) };
    sink.send('channelError', body);
    sink.close();
    return 200;
  }
  // The client may have gone while the filter was checked.
  if (!open) return 200;
  remove = ctx.hub.add({
    dataset: datasetName,
    query: source,
    params,
    projectId: call.projectId,
    sink,
    // Off unless asked: the client sends includeResult=true by default and omits it (never sends false) when off.
    includeResult: flag('includeResult', false),
    includePreviousRevision: flag('includePreviousRevision', false),
    includeMutations: flag('includeMutations', true),
    includeAllVersions,
    anonymous,
    effects: search.get('effectFormat') === 'mendoza',
  });
  heartbeat = setInterval(() => {
    if (open) res.write(': heartbeat\n\n');
  }, ctx.heartbeatMs);
  heartbeat.unref();
  return 200;
}

/**
 * `GET /data/export/:dataset[?types=a,b]`: every document (anonymous callers: published ones only) as NDJSON, as
 * Sanity's export endpoint streams it; `types` keeps the documents of those types. This is how a whole large
 * dataset is read (a query over all of it would be held to the query time budget). The documents are those of the
 * moment the export started; they are written a batch at a time, waiting whenever the client reads slower, so
 * neither the whole export nor the server's attention is taken at once.
 */
export async function exportDataset(call: LakeCall, { dataset: datasetName }: Params<'dataset'>): Promise<number> {
  const store = await call.ctx.datasets.require(datasetName);
  const anonymous = !readsPrivate(call.caller);
  const types = call.search
    .get('types')
    ?.split(',')
    .map((type) => type.trim())
    .filter((type) => type !== '');
  const wanted = types && types.length > 0 ? new Set(types) : undefined;
  const all = store.view({ kind: 'raw' }, anonymous);
  const docs = wanted ? all.filter((doc) => wanted.has(String(doc._type))) : all;
  const { res } = call;
  res.writeHead(200, {
    ...corsHeaders(call.req),
    'content-type': 'application/x-ndjson; charset=utf-8',
    'cache-control': 'no-store',
  });
  let closed = false;
  res.on('close', () => {
    closed = true;
  });
  for (let start = 0; start < docs.length && !closed; start += 500) {
    const flowing = res.write(
      docs
        .slice(start, start + 500)
        .map((d) => `${JSON.stringify(d)}\n`)
        .join(''),
    );
    if (!flowing) await drained(res);
    else if (start % 5000 === 0) await new Promise((resolve) => setImmediate(resolve));
  }
  if (!closed) res.end();
  return 200;
}

/** Resolves when `res` can take more output, or is closed. */
function drained(res: LakeCall['res']): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.once('drain', done);
    res.once('close', done);
  });
}

/** `GET /datasets`: the datasets' names (any token). */
export async function listDatasets(call: LakeCall): Promise<number> {
  requireAuthenticated(call.caller, 'Listing datasets');
  const names = await call.ctx.datasets.list();
  return sendJson(
    call.req,
    call.res,
    200,
    names.map((dataset) => ({ name: dataset, aclMode: 'public' })),
  );
}

/** `PUT /datasets/:name`: creates a dataset (administrators only). */
export async function createDataset(call: LakeCall, { name }: Params<'name'>): Promise<number> {
  checkDatasetName(name);
  requireAdministrator(call.caller, 'Creating a dataset');
  await call.ctx.datasets.create(name);
  return sendJson(call.req, call.res, 200, { datasetName: name, aclMode: 'public' });
}

/** `DELETE /datasets/:name`: removes a dataset and its files (administrators only). */
export async function deleteDataset(call: LakeCall, { name }: Params<'name'>): Promise<number> {
  checkDatasetName(name);
  requireAdministrator(call.caller, 'Deleting a dataset');
  if (!(await call.ctx.datasets.remove(name))) throw dataError(404, 'httpNotFound', `Dataset "${name}" not found`);
  return sendJson(call.req, call.res, 200, { deleted: true });
}

/** `/datasets/:name` with a method other than PUT and DELETE: 400 for an invalid name, else 405. */
export function otherDatasetMethod(call: LakeCall, { name }: Params<'name'>): never {
  checkDatasetName(name);
  throw apiError(405, `Method ${call.method} not allowed on /${call.segments.join('/')}: use PUT or DELETE`);
}

/** `/datasets/:name/...`: 404. */
export function noDatasetRoute(call: LakeCall): never {
  throw apiError(404, `No route for ${call.method} /${call.segments.join('/')}`);
}

function checkDatasetName(name: string): void {
  if (!isValidDatasetName(name))
    throw dataError(
      400,
      'httpBadRequest',
      `Invalid dataset name "${name}": expected lowercase letters, digits, "_" and "-", at most 64 characters`,
    );
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describeJson(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 80)}…` : text;
}
