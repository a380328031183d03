import { readFile, rename, writeFile } from 'node:fs/promises';
import type { SanityAsset } from './source.ts';

/** What the rebuild service hands a build: the synced documents and assets, and how image URLs are made. */
export interface MirrorFile {
  projectId: string;
  dataset: string;
  apiHost?: string;
  /** A digest of every document id and revision: the content revision the build shows. */
  revision: string;
  documents: Record<string, unknown>[];
  assets: SanityAsset[];
}

/** Reads a mirror file. */
export async function readMirrorFile(file: string): Promise<MirrorFile> {
  return JSON.parse(await readFile(file, 'utf8')) as MirrorFile;
}

/** Writes a mirror file atomically. */
export async function writeMirrorFile(file: string, mirror: MirrorFile): Promise<void> {
  const temporary = `${file}.${process.pid}.tmp`;
  await writeFile(temporary, JSON.stringify(mirror));
  await rename(temporary, file);
}
