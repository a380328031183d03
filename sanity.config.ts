import { visionTool } from '@sanity/vision';
import { defineConfig } from 'sanity';
import { structureTool } from 'sanity/structure';
import { schemaTypes } from './schemas/index.ts';
import { useScheduledBadge, useStoryUnpublishAction, withStoryPublish } from './schemas/publishing.tsx';
import { structure } from './schemas/structure.ts';

/**
 * Reads a `SANITY_STUDIO_*` variable. In the Studio bundle Vite inlines the value at build time (an unset variable
 * reads as undefined); the try/catch covers any runtime where the expression survives and `process` does not exist
 * (the browser). In Node (`sanity schema validate`, tests) it is a plain environment read. Empty counts as unset.
 */
function studioEnv(read: () => string | undefined): string | undefined {
  try {
    const value = read();
    return value === undefined || value === '' ? undefined : value;
  } catch {
    return undefined;
  }
}

const projectId = studioEnv(() => process.env.SANITY_STUDIO_PROJECT_ID) ?? 'local';
const dataset = studioEnv(() => process.env.SANITY_STUDIO_DATASET) ?? 'production';
// Points every Studio API call at a Sanity-compatible API, e.g. https://localhost:4000 (the Studio prepends the
// project id: https://<projectId>.localhost:4000). See /work/shared/notes/studio-against-local-api.md.
const apiHost = studioEnv(() => process.env.SANITY_STUDIO_API_HOST);

/** The newsroom Studio: one workspace, the desk structure and Vision for GROQ. */
export default defineConfig({
  name: 'default',
  title: 'Newsroom',
  projectId,
  dataset,
  ...(apiHost ? { apiHost } : {}),
  plugins: [structureTool({ structure }), visionTool()],
  schema: { types: schemaTypes },
  // Stories: Publish stamps the first publish time and asks whether a republish is an update; Unpublish is offered
  // in the drafts view too; a badge marks scheduled stories (schemas/publishing.tsx).
  document: {
    actions: (prev, context) => {
      if (context.schemaType !== 'story') return prev;
      const actions = prev.map((action) =>
        action.action === 'publish'
          ? withStoryPublish(action)
          : action.action === 'unpublish'
            ? useStoryUnpublishAction
            : action,
      );
      return actions.includes(useStoryUnpublishAction) ? actions : [...actions, useStoryUnpublishAction];
    },
    badges: (prev, context) => (context.schemaType === 'story' ? [...prev, useScheduledBadge] : prev),
  },
});
