/**
 * Draft previews and links to the live site, in the Studio:
 * - a Preview view beside the form of every story, section, tag and author: the draft as the site will show it,
 *   rendered by the rebuild service's preview server (rebuild/preview.ts), reloaded after each edit;
 * - `productionUrl`, which drives the Studio's own "Open preview" menu item (Ctrl+Alt+O);
 * - "Open on site" and "Copy public URL" actions on published documents.
 * The Studio holds no signing key: it writes a short-lived preview secret with the editor's own rights (Sanity's
 * preview handshake, a `sanity.previewUrlSecret` document) and the preview server exchanges it for a signed link.
 */
import { useToast } from '@sanity/ui';
import { useEffect, useState } from 'react';
import {
  useClient,
  type DocumentActionComponent,
  type DocumentActionProps,
  type ResolveProductionUrlContext,
  type SanityClient,
  type SanityDocument,
} from 'sanity';
import type { DefaultDocumentNodeResolver } from 'sanity/structure';
import { documentPath } from '../src/lib/site/document-paths.ts';

/** The document types that have pages on the site. */
export const PAGE_TYPES = ['story', 'section', 'tag', 'author'];

const API_VERSION = '2025-02-19';
/** A preview secret is reused for this long (the preview server accepts one for an hour). */
const SECRET_REUSE_MS = 50 * 60_000;

/** Where the site and the preview server are; a feature whose origin is unknown is not shown. */
export interface PreviewOrigins {
  siteUrl?: string | undefined;
  previewUrl?: string | undefined;
}

let secret: { value: string; at: number } | undefined;
/** Signed links by document id, reused while under 50 minutes old (a link is valid for an hour). */
const links = new Map<string, { url: string; at: number }>();

/** This tab's preview secret, written to the dataset when there is none under 50 minutes old. */
async function previewSecret(client: SanityClient): Promise<string> {
  if (secret && Date.now() - secret.at < SECRET_REUSE_MS) return secret.value;
  const bytes = crypto.getRandomValues(new Uint8Array(24));
  const value = Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  await client.create({
    _id: `drafts.${crypto.randomUUID()}`,
    _type: 'sanity.previewUrlSecret',
    secret: value,
    source: 'newsroom-preview',
    studioUrl: location.origin,
  });
  secret = { value, at: Date.now() };
  // Secrets over an hour old are of no use to anyone: removed, as Sanity's own handshake does (best effort).
  const before = new Date(Date.now() - 3600_000).toISOString();
  client
    .delete({ query: '*[_type == "sanity.previewUrlSecret" && _updatedAt < $before]', params: { before } })
    .catch(() => undefined);
  return value;
}

/** A signed preview link for the published id `id`. */
async function previewLink(client: SanityClient, previewUrl: string, id: string): Promise<string> {
  const publishedId = id.replace(/^drafts\./, '');
  const known = links.get(publishedId);
  if (known && Date.now() - known.at < SECRET_REUSE_MS) return known.url;
  const ask = async (value: string) =>
    fetch(`${previewUrl}/__preview/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ id: publishedId, secret: value }),
    });
  let response = await ask(await previewSecret(client));
  if (response.status === 403) {
    // The secret expired or was removed: write a new one, once.
    secret = undefined;
    response = await ask(await previewSecret(client));
  }
  if (!response.ok) throw new Error(`the preview server answered ${response.status}`);
  const { path } = (await response.json()) as { path: string };
  const url = `${previewUrl}${path}`;
  links.set(publishedId, { url, at: Date.now() });
  return url;
}

/** The Preview view: the draft in a frame, reloaded a moment after each change. */
function previewPane(previewUrl: string) {
  return function PreviewPane(props: { document: { displayed: Partial<SanityDocument> }; documentId: string }) {
    const client = useClient({ apiVersion: API_VERSION });
    const { displayed } = props.document;
    // The signed link and the version it was loaded for: a new version remounts the frame, once per pause in typing.
    const [frame, setFrame] = useState<{ link: string; version: string }>();
    const [error, setError] = useState<string>();
    // The content and its revision: an edit reloads the frame, and so does its save (a new `_rev`), in case the
    // first reload reached the preview server before the edit reached the dataset.
    const { _updatedAt, ...content } = displayed;
    void _updatedAt;
    const version = JSON.stringify(content);
    useEffect(() => {
      let gone = false;
      const timer = setTimeout(() => {
        previewLink(client, previewUrl, props.documentId).then(
          (url) => {
            if (!gone) {
              setError(undefined);
              setFrame({ link: url, version });
            }
          },
          (failure: unknown) => {
            if (!gone) setError(failure instanceof Error ? failure.message : String(failure));
          },
        );
      }, 300);
      return () => {
        gone = true;
        clearTimeout(timer);
      };
    }, [client, props.documentId, version]);
    if (error) return <p style={{ padding: '1rem' }}>The preview is not available: {error}.</p>;
    if (!frame) return <p style={{ padding: '1rem' }}>Loading the preview…</p>;
    return (
      <iframe
        key={frame.link + frame.version}
        title="Preview: not published"
        src={frame.link}
        style={{ width: '100%', height: '100%', border: 0, display: 'block' }}
      />
    );
  };
}

/** The Preview view beside the form of each type with pages (none without a preview server). */
export function previewDocumentNode(origins: PreviewOrigins): DefaultDocumentNodeResolver {
  const { previewUrl } = origins;
  const pane = previewUrl ? previewPane(previewUrl) : undefined;
  return (S, { schemaType }) =>
    pane && PAGE_TYPES.includes(schemaType)
      ? S.document().views([S.view.form(), S.view.component(pane).id('preview').title('Preview')])
      : S.document().views([S.view.form()]);
}

/** `document.productionUrl`: the signed preview link, for the Studio's "Open preview" item. */
export function previewProductionUrl(origins: PreviewOrigins) {
  return async (prev: string | undefined, context: ResolveProductionUrlContext): Promise<string | undefined> => {
    const { document } = context;
    if (!origins.previewUrl || !PAGE_TYPES.includes(document._type)) return prev;
    // A link needs a preview secret written with the editor's rights: a viewer may not write one (so it is not
    // tried), and a Studio that throws here crashes the whole structure tool, so a failed write gives no link.
    const roles = context.currentUser?.roles.map((role) => role.name) ?? [];
    if (roles.length > 0 && roles.every((role) => role === 'viewer')) return prev;
    return previewLink(context.getClient({ apiVersion: API_VERSION }), origins.previewUrl, document._id).catch(
      () => prev,
    );
  };
}

/** The live page of a published document: asked of the preview server (is it live?), else made from its slug. */
function useLiveUrl(props: DocumentActionProps, origins: PreviewOrigins): { url?: string; why?: string } {
  const { published } = props;
  const guess = published && origins.siteUrl ? documentPath(published) : undefined;
  const [answer, setAnswer] = useState<{ rev: string; live: string | null }>();
  const rev = published?._rev ?? '';
  useEffect(() => {
    if (!origins.previewUrl || !rev) return;
    let gone = false;
    fetch(`${origins.previewUrl}/__preview/urls?id=${encodeURIComponent(props.id)}`)
      .then((response) => response.json() as Promise<{ live: string | null }>)
      .then(
        ({ live }) => !gone && setAnswer({ rev, live }),
        () => undefined,
      );
    return () => {
      gone = true;
    };
  }, [props.id, rev]);
  if (!published) return { why: 'Not published yet' };
  if (answer?.rev === rev) return answer.live ? { url: answer.live } : { why: 'Not on the site (yet)' };
  return guess && origins.siteUrl ? { url: new URL(guess, origins.siteUrl).href } : { why: 'No page on the site' };
}

/** "Open on site" and "Copy public URL" for documents with pages (none without the site's origin). */
export function siteActions(origins: PreviewOrigins): DocumentActionComponent[] {
  if (!origins.siteUrl) return [];
  const OpenOnSite: DocumentActionComponent = (props) => {
    const { url, why } = useLiveUrl(props, origins);
    return {
      label: 'Open on site',
      title: url ?? why,
      disabled: !url,
      onHandle: () => {
        if (url) window.open(url, '_blank', 'noopener');
        props.onComplete();
      },
    };
  };
  const CopyPublicUrl: DocumentActionComponent = (props) => {
    const { url, why } = useLiveUrl(props, origins);
    const toast = useToast();
    return {
      label: 'Copy public URL',
      title: url ?? why,
      disabled: !url,
      onHandle: () => {
        if (url)
          navigator.clipboard.writeText(url).then(
            () => toast.push({ status: 'success', title: 'Public URL copied', description: url }),
            () => toast.push({ status: 'error', title: 'Could not copy the URL', description: url }),
          );
        props.onComplete();
      },
    };
  };
  return [OpenOnSite, CopyPublicUrl];
}
