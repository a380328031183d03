import path from 'node:path';
import { cacheDir } from '../../../lib/site/load-site';
import { renderShareImage, SHARE_IMAGE } from '../../../lib/site/share-image';
import type { PageProps } from '../../../lib/site/pages';
import { staticPaths } from '../../../rendered-pages';

export function getStaticPaths() {
  return staticPaths('shareSection');
}

/** A section's card, the share image of its older stories (see share-policy.ts): drawn once, then read from the cache. */
export async function GET({ props }: { props: PageProps['shareSection'] }) {
  const jpeg = await renderShareImage(props.image, { cacheDir: cacheDir(), publicDir: path.resolve('public') });
  return new Response(new Uint8Array(jpeg), { headers: { 'content-type': SHARE_IMAGE.type } });
}
