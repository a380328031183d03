import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../src/lib/atomic-write.ts';
import type { Role, TokenGrant } from './auth.ts';

// The lake's tokens when none are configured: random ones, made once per data folder and kept beside the data
// (mode 0600), so that no web page or other user of the machine can guess them, and so that a restart keeps the
// Studio signed in. LAKE_TOKENS (or `startLake({tokens})`) replaces them.

/** The roles a token can have: Sanity's built-in project roles, and the comments endpoint's (see auth.ts). */
export const ROLES: readonly Role[] = ['administrator', 'editor', 'viewer', 'commenter'];

/** The generated tokens' file in a data folder. */
export function tokensFile(dataDir: string): string {
  return join(dataDir, 'tokens.json');
}

/** Tokens as stored in `tokens.json`, in the format of `LAKE_TOKENS`. */
export type Tokens = Record<string, TokenGrant>;

const NAMES: Readonly<Record<Role, string>> = {
  administrator: 'Local Admin',
  editor: 'Local Editor',
  viewer: 'Local Viewer',
  commenter: 'Comments Endpoint',
};

/**
 * The tokens in `<dataDir>/tokens.json`, generated (one crypto-random token per role, mode 0600) when the file does
 * not exist. A file others can read is made private again; an unreadable or malformed one is an error naming it.
 */
export async function generatedTokens(dataDir: string): Promise<{ tokens: Tokens; file: string; created: boolean }> {
  const file = tokensFile(dataDir);
  const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw new Error(`${file}: cannot read the lake's tokens (${error.message})`);
  });
  if (text !== undefined) {
    const errors: string[] = [];
    const tokens = tokensFrom(file, parseJson(file, text, errors), errors);
    if (tokens === undefined || errors.length > 0) {
      throw new Error(
        `${file}: invalid tokens file:\n${errors.map((error) => `  - ${error}`).join('\n')}\nFix it, or delete it to have new tokens generated on the next start.`,
      );
    }
    if (((await stat(file)).mode & 0o077) !== 0) await chmod(file, 0o600);
    return { tokens, file, created: false };
  }
  const tokens: Tokens = {};
  for (const role of ROLES)
    tokens[`lake-${role}-${randomBytes(24).toString('base64url')}`] = { role, name: NAMES[role] };
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  // Written beside and renamed, so that a crash never leaves half a file (which would stop the next start).
  await writeFileAtomic(file, `${JSON.stringify(tokens, null, 2)}\n`, { mode: 0o600 });
  return { tokens, file, created: true };
}

/** The first token with `role`, for tools that act as that role (the newsroom's seeding, the sign-in link). */
export function tokenForRole(tokens: Readonly<Tokens>, role: Role): string | undefined {
  return Object.entries(tokens).find(([, grant]) => grant.role === role)?.[0];
}

/**
 * Reads tokens in the `LAKE_TOKENS` format (`{"<token>": {"role": "editor", "name"?: "CI"}}`) from parsed JSON,
 * adding every problem to `errors` under the name `where`; undefined when there is nothing usable.
 */
export function tokensFrom(where: string, value: unknown, errors: string[]): Tokens | undefined {
  if (value === undefined) return undefined;
  if (!isRecord(value) || Object.keys(value).length === 0) {
    errors.push(`${where}: expected a non-empty object like {"<token>": {"role": "editor"}}, received ${short(value)}`);
    return undefined;
  }
  const tokens: Tokens = {};
  for (const [token, grant] of Object.entries(value)) {
    const at = `${where}[${JSON.stringify(token)}]`;
    if (!/^\S+$/.test(token)) errors.push(`${at}: expected a non-empty token without spaces`);
    if (!isRecord(grant)) {
      errors.push(
        `${at}: expected {"role": "administrator" | "editor" | "viewer" | "commenter", "name"?: string}, received ${short(grant)}`,
      );
      continue;
    }
    const role = ROLES.find((candidate) => candidate === grant['role']);
    if (role === undefined)
      errors.push(
        `${at}.role: expected "administrator", "editor", "viewer" or "commenter", received ${short(grant['role'])}`,
      );
    if (grant['name'] !== undefined && typeof grant['name'] !== 'string')
      errors.push(`${at}.name: expected a string, received ${short(grant['name'])}`);
    for (const key of Object.keys(grant))
      if (key !== 'role' && key !== 'name') errors.push(`${at}.${key}: unknown field (expected role, name)`);
    if (role !== undefined)
      tokens[token] = typeof grant['name'] === 'string' ? { role, name: grant['name'] } : { role };
  }
  return tokens;
}

/** Parses JSON, adding a problem naming `where` to `errors` (and answering undefined) when it is not JSON. */
export function parseJson(where: string, raw: string, errors: string[]): unknown {
  try {
    return JSON.parse(raw);
  } catch (error) {
    errors.push(
      `${where}: expected JSON, could not parse ${JSON.stringify(raw.slice(0, 60))}: ${error instanceof Error ? error.message : String(error)}`,
    );
    return undefined;
  }
}

/** Whether a parsed JSON value is an object (not null, not an array). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A JSON value, cut to 60 characters, for error messages. */
export function short(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 60)}…` : text;
}
