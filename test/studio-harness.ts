// The Studio's schema and validation in Node, against the test lake: the `sanity` package, this project's Studio
// config, and a workspace as an editor sees it.
import { registerHooks } from 'node:module';
import type { SanityClient as LakeClient } from '@sanity/client';

// The `sanity` package imports the Studio's CSS files, which Node cannot load. Stub them (as the Sanity CLI's own
// loader does) before anything imports `sanity`; hence the dynamic imports below instead of static ones.
registerHooks({
  load(url, context, nextLoad) {
    return /\.css(\?.*)?$/.test(url)
      ? { format: 'module', source: 'export default ""', shortCircuit: true }
      : nextLoad(url, context);
  },
});
export const sanity = await import('sanity');
const { default: studioConfig } = await import('../sanity.config.ts');

/** The client type the Studio's workspace expects. */
type StudioClient = ReturnType<import('sanity').ValidationContext['getClient']>;
export type StudioWorkspace = Awaited<ReturnType<typeof sanity.createWorkspaceFromConfig>>;

/** The Studio's workspace for an editor, reading and validating against `client` (the test lake's). */
export function studioWorkspace(client: LakeClient): Promise<StudioWorkspace> {
  return sanity.createWorkspaceFromConfig({
    ...studioConfig,
    currentUser: {
      id: 'editor',
      name: 'Editor',
      email: 'editor@example.com',
      role: 'editor',
      roles: [{ name: 'editor', title: 'Editor' }],
    },
    // sanity 6.8 bundles @sanity/client 7, the lake harness hands out 8: the same API, two nominal types.
    getClient: () => client as unknown as StudioClient,
  });
}
