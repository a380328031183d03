import { z } from 'zod';
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

/** A variable's value without surrounding spaces; `fallback` when it is absent or blank. */
const trimmed = (fallback = '') =>
  z
    .string()
    .optional()
    .transform((raw) => raw?.trim() || fallback);
const received = (issue: { input?: unknown }) => JSON.stringify(issue.input);

/** Whether `version` is a real date (Date.parse rolls 2025-02-30 over into March; a real date prints back as itself). */
const isApiDate = (version: string) =>
  /^\d{4}-\d{2}-\d{2}$/.test(version) &&
  !Number.isNaN(Date.parse(version)) &&
  new Date(version).toISOString().slice(0, 10) === version;

/** The `SANITY_*` variables: each checked on its own (every bad value is an issue), then preview against the token. */
const sanityEnvSchema = z
  .object({
    SANITY_PROJECT_ID: trimmed().refine((id) => /^[a-z0-9][a-z0-9-]{0,63}$/.test(id), {
      error: (issue) => `expected a project id of lower-case letters, digits and hyphens, received ${received(issue)}`,
      params: { hint: 'find it in sanity.io/manage, or use "local" with the local API' },
    }),
    SANITY_DATASET: trimmed('production').refine((name) => /^[a-z0-9][a-z0-9_-]{0,63}$/.test(name), {
      error: (issue) =>
        `expected a dataset name of lower-case letters, digits, "_" and "-" (at most 64), received ${received(issue)}`,
    }),
    SANITY_API_VERSION: trimmed(DEFAULT_API_VERSION)
      .transform((version) => version.replace(/^v/, ''))
      .refine(isApiDate, {
        error: (issue) => `expected a date like ${DEFAULT_API_VERSION}, received ${received(issue)}`,
      }),
    // A secret: the message never shows the value.
    SANITY_TOKEN: trimmed().refine((token) => !/\s/.test(token), {
      error: 'expected a token without spaces (the value is not shown)',
    }),
    SANITY_API_HOST: trimmed().refine((host) => host === '' || (/^https?:\/\//.test(host) && URL.canParse(host)), {
      error: (issue) => `expected an http(s) URL like http://127.0.0.1:3333, received ${received(issue)}`,
    }),
    SANITY_PREVIEW: trimmed().refine((flag) => ['', '0', '1', 'true', 'false'].includes(flag), {
      error: (issue) => `expected 1 or 0, received ${received(issue)}`,
    }),
  })
  .superRefine((env, ctx) => {
    if ((env.SANITY_PREVIEW === '1' || env.SANITY_PREVIEW === 'true') && env.SANITY_TOKEN === '') {
      ctx.addIssue({
        code: 'custom',
        path: ['SANITY_PREVIEW'],
        message: 'preview reads drafts, which needs SANITY_TOKEN (a token with read access)',
      });
    }
  });

/**
 * Reads `SANITY_PROJECT_ID`, `SANITY_DATASET`, `SANITY_API_VERSION`, `SANITY_TOKEN`, `SANITY_API_HOST` and
 * `SANITY_PREVIEW`; every bad value is reported, none is echoed back if it is a secret.
 */
export function sanityConfigFromEnv(env: NodeJS.ProcessEnv): { config?: SanityConfig; issues: ContentIssue[] } {
  const parsed = sanityEnvSchema.safeParse(env);
  if (!parsed.success) return { issues: environmentIssues(parsed.error) };
  const {
    SANITY_PROJECT_ID: projectId,
    SANITY_DATASET: dataset,
    SANITY_API_VERSION: apiVersion,
    SANITY_TOKEN: token,
    SANITY_API_HOST: apiHost,
    SANITY_PREVIEW: preview,
  } = parsed.data;
  return {
    issues: [],
    config: {
      projectId,
      dataset,
      apiVersion,
      preview: preview === '1' || preview === 'true',
      ...(token ? { token } : {}),
      ...(apiHost ? { apiHost: apiHost.replace(/\/+$/, '') } : {}),
    },
  };
}

/** The issues of an environment schema as content issues: the variable is the field, a refinement's `hint` is kept. */
export function environmentIssues(error: z.ZodError): ContentIssue[] {
  return error.issues.map((issue) => {
    const hint: unknown = issue.code === 'custom' ? issue.params?.['hint'] : undefined;
    return {
      where: 'environment',
      field: String(issue.path[0]),
      message: issue.message,
      ...(typeof hint === 'string' ? { hint } : {}),
    };
  });
}
