import { defineCliConfig } from 'sanity/cli';

/** Sanity CLI settings: the project and dataset that `sanity` commands use, from the same variables as the Studio. */
export default defineCliConfig({
  api: {
    projectId: process.env.SANITY_STUDIO_PROJECT_ID || 'local',
    dataset: process.env.SANITY_STUDIO_DATASET || 'production',
  },
  // Auto-updates load the Studio's code from Sanity's CDN at runtime; this Studio must run offline.
  deployment: { autoUpdates: false },
  // `npm run typegen`: `sanity schema extract` writes the schema as JSON, `sanity typegen generate` turns it and the
  // queries into TypeScript types. Required fields are required in the types: they describe a valid document.
  schemaExtraction: { path: './schemas/schema.json', enforceRequiredFields: true },
  typegen: {
    path: './src/lib/sources/sanity/queries.ts',
    schema: './schemas/schema.json',
    generates: './src/lib/sources/sanity/sanity.types.ts',
    // The queries are plain strings, not `defineQuery` literals, so the client's `fetch` cannot be overloaded by them.
    overloadClientMethods: false,
  },
});
