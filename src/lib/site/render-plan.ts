/**
 * Render plan files: what a planned build renders (see `RenderPlan` in pages.ts), handed from the process that
 * computed the site (the build's coordinator in src/build/, or the rebuild service) to the Astro process that
 * renders it (which learns the file's name over its IPC channel, src/build/ipc.ts). NDJSON: the layout on the first line, then one page per line, so that neither side ever holds the
 * plan as one string (a whole 100,000-story site is gigabytes of JSON, past what one string can hold).
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { writeFileAtomicInParts } from '../atomic-write.ts';
import type { Layout, RenderPlan, SitePage } from './pages.ts';

/**
 * Writes a plan file. It appears in one step (written beside, then renamed), so that no process ever reads half
 * of it. Not fsynced: a plan is scratch, read once by a render process, and a crash makes it useless anyway.
 */
export async function writePlan(file: string, layout: Layout, pages: Iterable<SitePage>): Promise<void> {
  await writeFileAtomicInParts(
    file,
    async (write) => {
      await write(`${JSON.stringify({ layout })}\n`);
      for (const page of pages) await write(`${JSON.stringify(page)}\n`);
    },
    // Stryker disable next-line ObjectLiteral,BooleanLiteral: whether the file is fsynced shows only after a crash
    { durable: false },
  );
}

/** Reads a plan file written by `writePlan`; a malformed one is an error that names the file and the line. */
export async function readPlan(file: string): Promise<RenderPlan> {
  const lines = createInterface({ input: createReadStream(file), crlfDelay: Infinity });
  let layout: Layout | undefined;
  const pages: SitePage[] = [];
  let number = 0;
  for await (const line of lines) {
    number += 1;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (error) {
      throw new Error(
        `${file}:${number} is not a render plan line (${error instanceof Error ? error.message : String(error)}); plans are written by the build and the rebuild service, do not edit them`,
        { cause: error },
      );
    }
    if (number === 1) layout = (value as { layout: Layout }).layout;
    else pages.push(value as SitePage);
  }
  if (!layout)
    throw new Error(
      `${file} is an empty render plan; plans are written by the build and the rebuild service, do not edit them`,
    );
  return { layout, pages };
}
