import { STATUS_CODES } from 'node:http';

/** An error that answers an HTTP request: `status` and a JSON `body` in one of Sanity's error shapes. */
export class LakeError extends Error {
  readonly status: number;
  readonly body: unknown;
  /** Extra response headers, e.g. `retry-after` on a 503. */
  readonly headers: Record<string, string>;

  constructor(status: number, message: string, body: unknown, headers: Record<string, string> = {}) {
    super(message);
    this.name = 'LakeError';
    this.status = status;
    this.body = body;
    this.headers = headers;
  }
}

/** Content Lake error shape `{error: {description, type, ...}}`, used by the data endpoints. */
export function dataError(
  status: number,
  type: string,
  description: string,
  extra: Record<string, unknown> = {},
): LakeError {
  return new LakeError(status, description, { error: { description, type, ...extra } });
}

/** API gateway error shape `{statusCode, error, message}`, what Sanity answers for authentication and routing failures. */
export function apiError(status: number, message: string, extra: Record<string, unknown> = {}): LakeError {
  return new LakeError(status, message, {
    statusCode: status,
    error: STATUS_CODES[status] ?? 'Error',
    message,
    ...extra,
  });
}

/** One failed mutation inside a transaction: its index in the request and what went wrong. */
export interface MutationErrorItem {
  index: number;
  error: { type: string; description: string; [key: string]: unknown };
}

/** Sanity's transaction failure shape: `{error: {description, items: [{error, index}], type: 'mutationError'}}`. */
export function mutationError(status: number, items: MutationErrorItem[]): LakeError {
  const description = `Mutation(s) failed with ${items.length} error(s)`;
  const first = items[0]?.error.description;
  return new LakeError(status, first === undefined ? description : `${description}: ${first}`, {
    error: { description, items, type: 'mutationError' },
  });
}

/** Sanity's GROQ syntax error shape: `{error: {description, start, end, query, type: 'queryParseError'}}` with 400. */
export function queryParseError(query: string, description: string, start: number, end: number): LakeError {
  return new LakeError(400, `GROQ query parse error: ${description} at ${start}`, {
    error: { description, start, end, query, type: 'queryParseError' },
  });
}

/** The message of anything thrown, for logs and error descriptions. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
