/** Seeding: an empty dataset in the lake gets content/, imported by scripts/import.ts in a child process. */
import path from 'node:path';
import { NODE, ROOT, run, seconds } from './processes.ts';

/**
 * Imports content/ with scripts/import.ts when the dataset holds none of its document types; returns how many
 * documents that wrote, or undefined when there was content already.
 */
export async function seedIfEmpty(
  apiHttpUrl: string,
  options: { projectId: string; dataset: string; token: string; log: (line: string) => void },
): Promise<number | undefined> {
  const count = async (): Promise<number> => {
    const query = encodeURIComponent('count(*[_type in ["story", "section", "tag", "author"]])');
    const response = await fetch(
      `${apiHttpUrl}/v2025-02-19/data/query/${options.dataset}?query=${query}&perspective=raw`,
      {
        headers: { authorization: `Bearer ${options.token}`, 'x-sanity-project-id': options.projectId },
      },
    );
    if (!response.ok)
      throw new Error(`newsroom: could not count documents in the lake (${response.status}: ${await response.text()})`);
    return ((await response.json()) as { result: number }).result;
  };
  if ((await count()) > 0) return undefined;
  options.log('seed: the dataset is empty; importing content/ with scripts/import.ts');
  const started = performance.now();
  const result = await run(
    NODE,
    [path.join(ROOT, 'scripts', 'import.ts'), '--dataset', options.dataset, '--api-host', apiHttpUrl],
    {
      SANITY_TOKEN: options.token,
      SANITY_PROJECT_ID: options.projectId,
    },
  );
  if (!result.ok) throw new Error(`newsroom: importing content/ failed (${result.exit}):\n${result.output.trim()}`);
  const documents = await count();
  options.log(`seed: ${result.output.trim().split('\n').at(-1) ?? ''} (${seconds(performance.now() - started)})`);
  return documents;
}
