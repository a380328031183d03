import path from 'node:path';
import { readContentDir } from '../../src/lib/sources/content-files.ts';
import { siteSourceToDocuments, type SanityDocument } from '../../src/lib/sources/sanity/documents.ts';

/** The stories, sections, authors and tags of content/ as Sanity documents, stories without their images. */
export async function contentDocuments(): Promise<SanityDocument[]> {
  const source = await readContentDir(path.resolve('content'));
  const stories = source.stories.map(({ story, where }) => {
    const { image: _image, ...rest } = story;
    return { story: rest, where };
  });
  return siteSourceToDocuments({ ...source, stories }, () => undefined);
}
