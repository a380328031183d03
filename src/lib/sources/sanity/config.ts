import type { ContentIssue } from '../../model/content-error.ts';

/** How to reach a Sanity dataset, validated from the environment. */
export interface SanityConfig {
  projectId: string;
  dataset: string;
  apiVersion: string;
  token?: string;
  /** Another API host, such as the local API (`npm run lake`): `http://127.0.0.1:3333`. */
  apiHost?: string;
  /** Read drafts too (needs a token): for preview builds. */
  preview: boolean;
}

/** The API version the project is written against. */
export const DEFAULT_API_VERSION = '2025-02-19';

/**
 * Reads `SANITY_PROJECT_ID`, `SANITY_DATASET`, `SANITY_API_VERSION`, `SANITY_TOKEN`, `SANITY_API_HOST` and
 * `SANITY_PREVIEW`; every bad value is reported, none is echoed back if it is a secret.
 */
export function sanityConfigFromEnv(env: NodeJS.ProcessEnv): { config?: SanityConfig; issues: ContentIssue[] } {
  const issues: ContentIssue[] = [];
  const bad = (name: string, message: string, hint?: string) => issues.push({ where: 'environment', field: name, message, ...(hint ? { hint } : {}) });

  const projectId = env['SANITY_PROJECT_ID']?.trim() ?? '';
  if (!/^[a-z0-9][a-z0-9-]{0,63}$/.test(projectId)) bad('SANITY_PROJECT_ID', `expected a project id of lower-case letters, digits and hyphens, received ${JSON.stringify(projectId)}`, 'find it in sanity.io/manage, or use "local" with the local API');
  const dataset = env['SANITY_DATASET']?.trim() || 'production';
  if (!/^[a-z0-9][a-z0-9_-]{0,63}$/.test(dataset)) bad('SANITY_DATASET', `expected a dataset name of lower-case letters, digits, "_" and "-" (at most 64), received ${JSON.stringify(dataset)}`);
  const apiVersion = (env['SANITY_API_VERSION']?.trim() || DEFAULT_API_VERSION).replace(/^v/, '');
  // Date.parse rolls 2025-02-30 over into March; a real date prints back as itself.
  const realDate = /^\d{4}-\d{2}-\d{2}$/.test(apiVersion) && !Number.isNaN(Date.parse(apiVersion)) && new Date(apiVersion).toISOString().slice(0, 10) === apiVersion;
  if (!realDate) bad('SANITY_API_VERSION', `expected a date like ${DEFAULT_API_VERSION}, received ${JSON.stringify(apiVersion)}`);
  const token = env['SANITY_TOKEN']?.trim() || undefined;
  if (token !== undefined && /\s/.test(token)) bad('SANITY_TOKEN', 'expected a token without spaces (the value is not shown)');
  const apiHost = env['SANITY_API_HOST']?.trim() || undefined;
  if (apiHost !== undefined && !(/^https?:\/\//.test(apiHost) && URL.canParse(apiHost))) bad('SANITY_API_HOST', `expected an http(s) URL like http://127.0.0.1:3333, received ${JSON.stringify(apiHost)}`);
  const previewRaw = env['SANITY_PREVIEW']?.trim() ?? '';
  if (!['', '0', '1', 'true', 'false'].includes(previewRaw)) bad('SANITY_PREVIEW', `expected 1 or 0, received ${JSON.stringify(previewRaw)}`);
  const preview = previewRaw === '1' || previewRaw === 'true';
  if (preview && !token) bad('SANITY_PREVIEW', 'preview reads drafts, which needs SANITY_TOKEN (a token with read access)');

  if (issues.length > 0) return { issues };
  return {
    issues,
    config: { projectId, dataset, apiVersion, preview, ...(token ? { token } : {}), ...(apiHost ? { apiHost: apiHost.replace(/\/+$/, '') } : {}) },
  };
}
