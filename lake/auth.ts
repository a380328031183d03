import type { IncomingHttpHeaders } from 'node:http';
import { apiError, mutationError } from './errors.ts';

/**
 * A token's role, as in Sanity's project roles: administrators manage datasets, editors write, viewers read drafts.
 * A commenter (a custom role, for the comments endpoint) may only create pending comments and reads what anonymous
 * callers read: a leaked commenter token can add comments to the moderation queue, and nothing else.
 */
export type Role = 'administrator' | 'editor' | 'viewer' | 'commenter';

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

/** Whether the caller may read drafts and other private documents: a project member, not a commenter. */
export function readsPrivate(caller: Caller): boolean {
  return caller.role !== undefined && caller.role !== 'commenter';
}

/** Answers 401 unless the caller sent a known token, 403 for a commenter's; `what` says what needed one. */
export function requireAuthenticated(caller: Caller, what: string): void {
  if (caller.role === undefined) {
    throw apiError(401, `${what} requires an authenticated request: send "Authorization: Bearer <token>"`, {
      errorCode: 'SIO-401-ANF',
    });
  }
  if (caller.role === 'commenter') {
    throw apiError(
      403,
      `${what} is not allowed: the token of "${caller.name}" has the commenter role, which may only create pending comments`,
    );
  }
}

/** The only documents a commenter may write: new published `comment` documents, pending, with a plain id. */
export function requireCommentCreates(caller: Caller, mutations: unknown): void {
  const list = Array.isArray(mutations) ? (mutations as unknown[]) : [];
  const allowed =
    list.length > 0 &&
    list.every((mutation) => {
      if (typeof mutation !== 'object' || mutation === null || Object.keys(mutation).length !== 1) return false;
      const doc = (mutation as { create?: unknown }).create;
      if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) return false;
      const fields = doc as Record<string, unknown>;
      return (
        fields['_type'] === 'comment' &&
        fields['state'] === 'pending' &&
        (fields['_id'] === undefined ||
          (typeof fields['_id'] === 'string' && /^comment-[A-Za-z0-9_-]{1,100}$/.test(fields['_id'])))
      );
    });
  if (!allowed) {
    throw mutationError(403, [
      {
        index: 0,
        error: {
          type: 'insufficientPermissionsError',
          description: `Insufficient permissions; the token of "${caller.name}" has the commenter role, which may only create pending comments (create of a "comment" document with state "pending")`,
          permission: 'create',
        },
      },
    ]);
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
