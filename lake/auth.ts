import type { IncomingHttpHeaders } from 'node:http';
import { apiError, mutationError } from './errors.ts';

/** A token's role, as in Sanity's project roles: administrators manage datasets, editors write, viewers read drafts. */
export type Role = 'administrator' | 'editor' | 'viewer';

/** What the lake knows about a token. */
export interface TokenGrant {
  role: Role;
  name?: string;
}

/** Who sent a request: anonymous (no token), or a known token's grant. */
export interface Caller {
  role: Role | undefined;
  name: string;
  /** The value of GROQ `identity()` and of listener events' `identity`. */
  identity: string;
}

const ANONYMOUS: Caller = { role: undefined, name: 'Anonymous', identity: '' };

/**
 * Identifies the caller from `Authorization: Bearer <token>`. No header means anonymous; a token the lake does not
 * know answers 401 `Session not found`, as Sanity does for an unknown or revoked token.
 */
export function callerFrom(headers: IncomingHttpHeaders, tokens: Readonly<Record<string, TokenGrant>>): Caller {
  const header = headers.authorization;
  if (header === undefined || header === '') return ANONYMOUS;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (match?.[1] === undefined) {
    throw apiError(401, 'Invalid Authorization header: expected "Bearer <token>"', { errorCode: 'SIO-401-AHM' });
  }
  const grant = Object.hasOwn(tokens, match[1]) ? tokens[match[1]] : undefined;
  if (grant === undefined) throw apiError(401, 'Session not found', { errorCode: 'SIO-401-ANF' });
  const name = grant.name ?? grant.role;
  return { role: grant.role, name, identity: `lake-${name.toLowerCase().replace(/[^a-z0-9]+/g, '-')}` };
}

/** Answers 401 unless the caller sent a known token; `what` says what needed one. */
export function requireAuthenticated(caller: Caller, what: string): void {
  if (caller.role === undefined) {
    throw apiError(401, `${what} requires an authenticated request: send "Authorization: Bearer <token>"`, {
      errorCode: 'SIO-401-ANF',
    });
  }
}

/** Answers 401 for anonymous callers and 403 (Sanity's insufficient-permissions mutation error) for viewers. */
export function requireWriter(caller: Caller, permission: 'create' | 'update' | 'delete'): void {
  requireAuthenticated(caller, 'Writing documents');
  if (caller.role === 'viewer') {
    throw mutationError(403, [
      {
        index: 0,
        error: {
          type: 'insufficientPermissionsError',
          description: `Insufficient permissions; permission "${permission}" required (the token of "${caller.name}" has the viewer role)`,
          permission,
        },
      },
    ]);
  }
}

/** Answers 401 for anonymous callers and 403 for anyone but an administrator. */
export function requireAdministrator(caller: Caller, what: string): void {
  requireAuthenticated(caller, what);
  if (caller.role !== 'administrator') {
    throw apiError(
      403,
      `${what} requires the administrator role; the token of "${caller.name}" has the ${caller.role ?? 'no'} role`,
    );
  }
}
