import { noAssetRoute, serveFile, serveImage, uploadFile, uploadImage } from './assets.ts';
import {
  actions,
  createDataset,
  deleteDataset,
  doc,
  exportDataset,
  listDatasets,
  listen,
  mutate,
  noDataEndpoint,
  noDataset,
  noDatasetRoute,
  otherDatasetMethod,
  query,
  referencesTo,
} from './endpoints.ts';
import { historyDocuments, historyTransactions } from './history-api.ts';
import { ANY, api, methodNotAllowed, plain, under, type Route } from './router.ts';
import { describeService, noApiVersion, noRoute } from './service-info.ts';
import {
  currentUser,
  datasetAcl,
  dropTelemetry,
  noAccessRequests,
  noAuthProviders,
  noFeatures,
  noGrants,
  noHistoryEvents,
  noHelpResources,
  noJourney,
  noSchedules,
  noUserApplications,
  noUserRoute,
  otherKeyValueMethod,
  ping,
  project,
  readKeyValues,
  roles,
  telemetryDenied,
  usersById,
  writeKeyValues,
} from './studio-api.ts';

/**
 * Every path the lake answers, in the order they are tried: the first row whose method and pattern match answers
 * (see router.ts for the patterns). `api` rows are paths under `/v<apiVersion>` (`v1`, `vX` or `v<YYYY-MM-DD>`),
 * whose caller is identified first; `plain` rows are the rest. A 405 is a row of its own, after the row it refuses
 * for, so that the order of the checks (dataset name, then method, then token) stays each endpoint's own.
 */
export const ROUTES: readonly Route[] = [
  // Uploaded files, at the paths Sanity's CDN serves them from.
  plain(['GET', 'HEAD'], '/images/*/:dataset/:file', serveImage),
  plain(['GET', 'HEAD'], '/files/*/:dataset/:file', serveFile),
  plain(ANY, '/', describeService),

  // The History API (the Studio's History panel, Review changes and Restore).
  api(['GET'], '/data/history/:dataset/transactions/**', historyTransactions),
  api(['GET'], '/data/history/:dataset/documents/**', historyDocuments),

  // Hosted features the lake does not have, answered empty at once so that the Studio neither waits nor warns.
  api(['GET'], '/data/history/*/events/**', noHistoryEvents),
  api(ANY, '/features', noFeatures),
  api(ANY, '/schedules/**', noSchedules),
  api(ANY, '/access/project/*/requests/**', noAccessRequests),
  api(['GET'], '/access/requests/me', noAccessRequests),
  api(ANY, '/intake/telemetry-status/**', telemetryDenied),
  api(['POST'], '/intake/batch/**', dropTelemetry),
  api(ANY, '/ping', ping),
  // The Studio pings the data API once per open document to read its shard for latency reports.
  api(['GET'], '/data/ping/:dataset', ping),
  api(ANY, '/auth/providers', noAuthProviders),
  api(ANY, '/journey/**', noJourney),
  api(['GET'], '/help', noHelpResources),

  // The data API.
  api(['GET', 'POST'], '/data/query/:dataset/**', query),
  api(ANY, '/data/query/:dataset/**', methodNotAllowed('GET or POST')),
  api(['GET'], '/data/doc/:dataset/**', doc),
  api(ANY, '/data/doc/:dataset/**', methodNotAllowed('GET')),
  api(['POST'], '/data/mutate/:dataset/**', mutate),
  api(ANY, '/data/mutate/:dataset/**', methodNotAllowed('POST')),
  api(['POST'], '/data/actions/:dataset/**', actions),
  api(ANY, '/data/actions/:dataset/**', methodNotAllowed('POST')),
  api(['GET'], '/data/listen/:dataset/**', listen),
  api(ANY, '/data/listen/:dataset/**', methodNotAllowed('GET')),
  api(['GET'], '/data/export/:dataset/**', exportDataset),
  api(ANY, '/data/export/:dataset/**', methodNotAllowed('GET')),
  api(['GET'], '/data/references/:dataset/**', referencesTo),
  api(ANY, '/data/references/:dataset/**', methodNotAllowed('GET')),
  api(ANY, '/data/:endpoint/:dataset/**', noDataEndpoint),
  api(ANY, '/data/**', noDataset),

  // Asset uploads.
  api(['POST'], '/assets/images/:dataset', uploadImage),
  api(['POST'], '/assets/files/:dataset', uploadFile),
  api(ANY, '/assets/images/:dataset', methodNotAllowed('POST with the file as the body')),
  api(ANY, '/assets/files/:dataset', methodNotAllowed('POST with the file as the body')),
  api(ANY, '/assets/**', noAssetRoute),

  // Datasets.
  api(['GET'], '/datasets', listDatasets),
  api(ANY, '/datasets', methodNotAllowed('GET')),
  api(['PUT'], '/datasets/:name', createDataset),
  api(['DELETE'], '/datasets/:name', deleteDataset),
  api(ANY, '/datasets/:name', otherDatasetMethod),
  api(ANY, '/datasets/**', noDatasetRoute),

  // The project, as the Studio asks for it.
  api(['GET'], '/projects/:projectId', project),
  api(['GET'], '/projects/*/datasets/*/acl', datasetAcl),
  api(['GET'], '/projects/:projectId/roles', roles),
  api(['GET'], '/projects/*/user-applications', noUserApplications),
  api(['GET'], '/projects/*/grants', noGrants),
  // With useProjectHostname: false the client lists datasets under /projects/:projectId/datasets.
  api(['GET'], '/projects/*/datasets', under(2, listDatasets)),
  api(ANY, '/projects/*/datasets', under(2, methodNotAllowed('GET'))),
  api(['PUT'], '/projects/*/datasets/:name', under(2, createDataset)),
  api(['DELETE'], '/projects/*/datasets/:name', under(2, deleteDataset)),
  api(ANY, '/projects/*/datasets/:name', under(2, otherDatasetMethod)),
  api(ANY, '/projects/*/datasets/**', under(2, noDatasetRoute)),

  // The user, and the user's Studio preferences.
  api(ANY, '/users/me', currentUser),
  api(['GET'], '/users/me/keyvalue/:keys/**', readKeyValues),
  api(['PUT'], '/users/me/keyvalue', writeKeyValues),
  api(ANY, '/users/me/keyvalue/**', otherKeyValueMethod),
  api(['GET'], '/users/:ids', usersById),
  api(ANY, '/users/**', noUserRoute),

  // Anything else: 404, naming what the lake serves.
  api(ANY, '/**', noRoute),
  plain(ANY, '/**', noApiVersion),
];
