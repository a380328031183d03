/**
 * A build that failed, as data: the build's coordinator (`npm run build`) and the rebuild service both report their
 * failures with it, and read what went wrong from its fields, never from the text of a log.
 */

/** An error as a render process reports it to the process that started it (see `failed` in ipc.ts). */
export interface ErrorReport {
  name: string;
  message: string;
  /** Where it happened, when the error says: an Astro error's `file:line:column`. */
  where?: string | undefined;
  /** What to do about it, when the error says (Astro errors carry a hint). */
  hint?: string | undefined;
  stack?: string | undefined;
}

/** What stopped a build: reading the content, the content itself, or rendering it. */
export type BuildStage = 'sync' | 'content' | 'render';

/** A build that failed: the message says what failed; the rest says why, as data. */
export class BuildFailure extends Error {
  /** The end of the failed process's output ('' when no process ran). */
  readonly output: string;
  readonly stage: BuildStage;
  /** The content problems that stopped it, one line each (`where → field: message`). */
  readonly problems: readonly string[];
  /** The error the render process reported before it exited, if it reported one. */
  readonly error: ErrorReport | undefined;

  constructor(
    message: string,
    output: string,
    details: { stage?: BuildStage; problems?: readonly string[]; error?: ErrorReport | undefined } = {},
  ) {
    super(message);
    this.name = 'BuildFailure';
    this.output = output;
    this.stage = details.stage ?? 'render';
    this.problems = details.problems ?? [];
    this.error = details.error;
  }
}

/** An error as data that survives the IPC channel (a plain object: Error instances lose their fields in JSON). */
export function errorReport(error: unknown): ErrorReport {
  if (!(error instanceof Error)) return { name: 'Error', message: String(error) };
  const { hint, loc } = error as Error & { hint?: unknown; loc?: { file?: string; line?: number; column?: number } };
  const where = loc?.file ? [loc.file, loc.line, loc.column].filter((part) => part !== undefined).join(':') : undefined;
  return {
    name: error.name,
    message: error.message,
    where,
    hint: typeof hint === 'string' ? hint : undefined,
    stack: error.stack,
  };
}

/** One line for a log: `Name: message (where)`. */
export function describeError(report: ErrorReport): string {
  return `${report.name}: ${report.message}${report.where ? ` (${report.where})` : ''}`;
}
