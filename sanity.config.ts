import { visionTool } from '@sanity/vision';
import { defineConfig, type DocumentActionComponent } from 'sanity';
import { structureTool } from 'sanity/structure';
import { commentActions } from './schemas/moderation.tsx';
import { schemaTypes } from './schemas/index.ts';
import { PAGE_TYPES, previewDocumentNode, previewProductionUrl, siteActions } from './schemas/preview.tsx';
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
// The site's public origin ("Open on site") and the draft preview server's (the Preview view); the newsroom sets both.
const origins = {
  siteUrl: studioEnv(() => process.env.SANITY_STUDIO_SITE_URL),
  previewUrl: studioEnv(() => process.env.SANITY_STUDIO_PREVIEW_URL),
};

/** The newsroom Studio: one workspace, the desk structure and Vision for GROQ. */
/** A story's actions: Publish wrapped (first publish time, update or correction), Unpublish also in the drafts view. */
function storyActions(prev: DocumentActionComponent[]): DocumentActionComponent[] {
  const actions = prev.map((action) =>
    action.action === 'publish'
      ? withStoryPublish(action)
      : action.action === 'unpublish'
        ? useStoryUnpublishAction
        : action,
  );
  return actions.includes(useStoryUnpublishAction) ? actions : [...actions, useStoryUnpublishAction];
}

export default defineConfig({
  name: 'default',
  title: 'Newsroom',
  projectId,
  dataset,
  ...(apiHost ? { apiHost } : {}),
  plugins: [structureTool({ structure, defaultDocumentNode: previewDocumentNode(origins) }), visionTool()],
  schema: { types: schemaTypes },
  // History from the transactions and documents endpoints (the local API has no events endpoint).
  beta: { eventsAPI: { documents: false } },
  // Hosted features the local API does not provide are switched off, so the Studio shows only what works offline:
  // comments, "ask to edit", tasks, releases and scheduled drafts, Sanity's scheduled publishing (a story is
  // scheduled by a future "Published at" instead), announcements and Canvas.
  document: {
    comments: { enabled: false },
    askToEdit: { enabled: false },
    productionUrl: previewProductionUrl(origins),
    // Stories: Publish stamps the first publish time and asks whether a republish is an update; Unpublish is offered
    // in the drafts view too; a badge marks scheduled stories (schemas/publishing.tsx). Every page type: Open on
    // site and Copy public URL (schemas/preview.tsx).
    actions: (prev, { schemaType }) => {
      if (schemaType === 'comment') return commentActions(prev);
      const actions = schemaType === 'story' ? storyActions(prev) : prev;
      return PAGE_TYPES.includes(schemaType) ? [...actions, ...siteActions(origins)] : actions;
    },
    badges: (prev, { schemaType }) => (schemaType === 'story' ? [...prev, useScheduledBadge] : prev),
  },
  tasks: { enabled: false },
  releases: { enabled: false },
  scheduledDrafts: { enabled: false },
  scheduledPublishing: { enabled: false },
  announcements: { enabled: false },
  apps: { canvas: { enabled: false } },
});
