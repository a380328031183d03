import { readdir } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { dataError } from './errors.ts';
import { DatasetStore } from './store.ts';

/** The dataset that lives in the data file itself; every other dataset gets a file beside it. */
export const PRIMARY_DATASET = 'production';

/** Sanity's rule for dataset names: lowercase letters, digits, `_` and `-`, starting with a letter or digit, at most 64. */
export function isValidDatasetName(name: string): boolean {
  return /^[a-z0-9][a-z0-9_-]{0,63}$/.test(name);
}

/**
 * Where a dataset is stored: `production` in `dataFile` itself (so a `sanity dataset export` drops straight in),
 * any other dataset `name` beside it as `<stem>.<name>.ndjson` (`data.ndjson` -> `data.staging.ndjson`).
 */
export function datasetFile(dataFile: string, name: string): string {
  if (name === PRIMARY_DATASET) return dataFile;
  return join(dirname(dataFile), `${stemOf(dataFile)}.${name}.ndjson`);
}

function stemOf(dataFile: string): string {
  return basename(dataFile).replace(/\.ndjson$/, '');
}

/**
 * The lake's datasets, opened lazily. `production` always exists (an empty file is created at start); another
 * dataset exists once its file does: a first mutation or `PUT /datasets/:name` creates it, and reading a dataset
 * that was never written answers 404 as Sanity does for a missing dataset.
 */
export class Datasets {
  private readonly dataFile: string;
  private readonly opened = new Map<string, Promise<DatasetStore | undefined>>();

  constructor(dataFile: string) {
    this.dataFile = dataFile;
  }

  /** The dataset, or `undefined` if it was never written. Invalid names answer 400. */
  async find(name: string): Promise<DatasetStore | undefined> {
    assertName(name);
    const pending = this.opened.get(name);
    if (pending !== undefined) {
      const store = await pending;
      if (store !== undefined) return store;
    }
    const opening = DatasetStore.open(name, datasetFile(this.dataFile, name), false);
    this.opened.set(name, opening);
    opening.catch(() => this.opened.delete(name));
    return opening;
  }

  /** The dataset, answering 404 in Sanity's shape if it was never written. */
  async require(name: string): Promise<DatasetStore> {
    const store = await this.find(name);
    if (store === undefined) throw dataError(404, 'httpNotFound', `Dataset "${name}" not found; write to it (or PUT /datasets/${name}) to create it`);
    return store;
  }

  /** The dataset, created empty if it does not exist yet. */
  async create(name: string): Promise<DatasetStore> {
    const existing = await this.find(name);
    if (existing !== undefined) return existing;
    const opening = DatasetStore.open(name, datasetFile(this.dataFile, name), true).then((store) => {
      if (store === undefined) throw new Error(`could not create dataset "${name}"`);
      return store;
    });
    this.opened.set(name, opening);
    opening.catch(() => this.opened.delete(name));
    return opening;
  }

  /** Names of every dataset on disk or open. */
  async list(): Promise<string[]> {
    const names = new Set<string>([PRIMARY_DATASET]);
    const prefix = `${stemOf(this.dataFile)}.`;
    for (const entry of await readdir(dirname(this.dataFile)).catch(() => [] as string[])) {
      if (!entry.startsWith(prefix) || !entry.endsWith('.ndjson')) continue;
      const name = entry.slice(prefix.length, -'.ndjson'.length);
      if (isValidDatasetName(name)) names.add(name);
    }
    for (const [name, store] of this.opened) if ((await store) !== undefined) names.add(name);
    return [...names].sort();
  }

  /** Deletes a dataset and its files. */
  async remove(name: string): Promise<boolean> {
    const store = await this.find(name);
    if (store === undefined) return false;
    this.opened.delete(name);
    await store.destroy();
    return true;
  }

  /** Every dataset opened so far. */
  async openStores(): Promise<DatasetStore[]> {
    const stores = await Promise.all([...this.opened.values()].map((pending) => pending.catch(() => undefined)));
    return stores.filter((store) => store !== undefined);
  }

  /** Writes every open dataset's snapshot and releases its files. */
  async close(): Promise<void> {
    await Promise.all((await this.openStores()).map((store) => store.close()));
    this.opened.clear();
  }
}

function assertName(name: string): void {
  if (!isValidDatasetName(name)) {
    throw dataError(400, 'httpBadRequest', `Invalid dataset name "${name.slice(0, 80)}": expected lowercase letters, digits, "_" and "-", starting with a letter or digit, at most 64 characters`);
  }
}
