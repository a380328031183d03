/**
 * Thrown when the content source itself fails (the API unreachable, timed out, refusing the token): nothing is wrong
 * with the content, so it is not a `ContentError` and editors have nothing to fix.
 */
export class SourceError extends Error {
  /** Where the content was read from: the API's address. */
  readonly source: string;

  constructor(source: string, reason: string, options?: { cause?: unknown }) {
    super(`the content source failed: ${reason}`, options);
    this.name = 'SourceError';
    this.source = source;
  }
}

/** What to do about a failed source. */
export const SOURCE_HINT =
  'This is not a problem in the content: the build could not read it. Check the source named above, then build again.';
