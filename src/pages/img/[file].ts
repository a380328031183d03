import path from 'node:path';
import { cacheDir } from '../../lib/site/load-site';
import { renderImageVariant, VARIANT_TYPES } from '../../lib/site/content-image';
import type { PageProps } from '../../lib/site/pages';
import { staticPaths } from '../../rendered-pages';

export function getStaticPaths() {
  return staticPaths('contentImage');
}

/** A variant of a raster image in public/: encoded once per digest, then read from the cache. */
export async function GET({ props }: { props: PageProps['contentImage'] }) {
  const { variant } = props;
  const bytes = await renderImageVariant(variant, { cacheDir: cacheDir(), publicDir: path.resolve('public') });
  return new Response(new Uint8Array(bytes), { headers: { 'content-type': VARIANT_TYPES[variant.format] } });
}
