// The committed schema.json and sanity.types.ts must be what `npm run typegen` makes of the Studio's schema and the
// queries now. Both steps run with the code the CLI runs, offline and without starting the CLI (which takes most of a
// minute): `extractSchema` on the Studio's workspace, then `runTypegenGenerate` writing into a temporary directory.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createClient } from '@sanity/client';
import { runTypegenGenerate } from '@sanity/codegen';
import { extractSchema } from '@sanity/schema/_internal';
import { afterAll, expect, test } from 'vitest';
import cliConfig from '../sanity.cli.ts';
import { studioWorkspace } from './studio-harness.ts';

const root = path.resolve(import.meta.dirname, '..');
const temp = await mkdtemp(path.join(tmpdir(), 'typegen-'));
afterAll(() => rm(temp, { recursive: true, force: true }));

const STALE = 'run npm run typegen';

test('schemas/schema.json and sanity.types.ts are what npm run typegen makes of the schema and queries now', async () => {
  const { schemaExtraction, typegen } = cliConfig;
  if (!schemaExtraction?.path || !typegen?.generates)
    throw new Error('sanity.cli.ts sets schemaExtraction.path and typegen.generates');
  // The workspace never reads the dataset here: the client only has to exist.
  const workspace = await studioWorkspace(
    createClient({ projectId: 'local', dataset: 'production', apiVersion: '2025-02-19', useCdn: false }),
  );
  const schema = extractSchema(workspace.schema, {
    enforceRequiredFields: schemaExtraction.enforceRequiredFields ?? false,
  });
  // As `sanity schema extract` writes it.
  const schemaJson = `${JSON.stringify(schema, null, 2)}\n`;
  expect(
    schemaJson === (await readFile(path.join(root, schemaExtraction.path), 'utf8')),
    `${schemaExtraction.path} is stale: ${STALE}`,
  ).toBe(true);

  // The committed schema equals the fresh one (checked above), and the generated file names the schema it read: so
  // the types are generated from the committed one. The CLI formats with prettier, under the project's prettier
  // configuration for the file's folder: so the fresh copy is written beside the committed file, then removed.
  const freshTypes = path.join(root, path.dirname(typegen.generates), `.sanity.types.fresh-${process.pid}.ts`);
  let types: string;
  try {
    await runTypegenGenerate({
      workDir: root,
      config: { ...typegen, generates: freshTypes, formatGeneratedCode: true },
    });
    types = await readFile(freshTypes, 'utf8');
  } finally {
    await rm(freshTypes, { force: true });
  }
  expect(
    types === (await readFile(path.join(root, typegen.generates), 'utf8')),
    `${typegen.generates} is stale: ${STALE}`,
  ).toBe(true);
});
