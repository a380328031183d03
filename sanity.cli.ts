import { defineCliConfig } from 'sanity/cli';

/** Sanity CLI settings: the project and dataset that `sanity` commands use, from the same variables as the Studio. */
export default defineCliConfig({
  api: {
    projectId: process.env.SANITY_STUDIO_PROJECT_ID || 'local',
    dataset: process.env.SANITY_STUDIO_DATASET || 'production',
  },
  // Auto-updates load the Studio's code from Sanity's CDN at runtime; this Studio must run offline.
  deployment: { autoUpdates: false },
});
