import { readdir } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { requireAuthenticated, type Caller } from './auth.ts';
import { apiError, dataError } from './errors.ts';
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

/** Where a dataset's uploaded asset files live: `<stem>.assets/<dataset>/` beside the data file. */
export function assetDirectory(dataFile: string, name: string): string {
  return join(dirname(dataFile), `${stemOf(dataFile)}.assets`, name);
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
  private readonly stores = new Map<string, DatasetStore>();
  // Opening, creating and removing go one at a time, so two first writes to a new dataset share one store.
  private lock: Promise<unknown> = Promise.resolve();

  constructor(dataFile: string) {
    this.dataFile = dataFile;
  }

  /** The dataset, or `undefined` if it was never written. Invalid names answer 400. */
  async find(name: string): Promise<DatasetStore | undefined> {
    assertName(name);
    return this.stores.get(name) ?? this.serial(() => this.open(name, false));
  }

  /** The folder holding a dataset's uploaded asset files. */
  assetDirectory(name: string): string {
    assertName(name);
    return assetDirectory(this.dataFile, name);
  }

  /** The dataset, answering 404 in Sanity's shape if it was never written. */
  async require(name: string): Promise<DatasetStore> {
    const store = await this.find(name);
    if (store === undefined)
      throw dataError(
        404,
        'httpNotFound',
        `Dataset "${name}" not found; write to it (or PUT /datasets/${name}) to create it`,
      );
    return store;
  }

  /** The dataset, created empty if it does not exist yet. */
  async create(name: string): Promise<DatasetStore> {
    assertName(name);
    const existing = this.stores.get(name);
    if (existing !== undefined) return existing;
    const store = await this.serial(() => this.open(name, true));
    if (store === undefined)
      throw new Error(`could not create dataset "${name}" at ${datasetFile(this.dataFile, name)}`);
    return store;
  }

  /**
   * The dataset a write by `caller` goes to. One that does not exist is created for an administrator only (Sanity
   * requires the administrator role to create a dataset); anyone else gets 403, and a dry run 404.
   */
  async forWrite(name: string, caller: Caller, dryRun: boolean): Promise<DatasetStore> {
    const existing = await this.find(name);
    if (existing !== undefined) return existing;
    if (dryRun) return this.require(name);
    requireAuthenticated(caller, `Creating dataset "${name}"`);
    if (caller.role !== 'administrator') {
      throw apiError(
        403,
        `Dataset "${name}" does not exist, and creating a dataset requires the administrator role; the token of "${caller.name}" has the ${caller.role ?? 'no'} role. Write to an existing dataset, or have an administrator create it (PUT /v1/datasets/${name})`,
      );
    }
    return this.create(name);
  }

  /** Names of every dataset on disk or open. */
  async list(): Promise<string[]> {
    const names = new Set<string>([PRIMARY_DATASET, ...this.stores.keys()]);
    const prefix = `${stemOf(this.dataFile)}.`;
    for (const entry of await readdir(dirname(this.dataFile)).catch(() => [] as string[])) {
      if (!entry.startsWith(prefix) || !entry.endsWith('.ndjson')) continue;
      const name = entry.slice(prefix.length, -'.ndjson'.length);
      if (isValidDatasetName(name)) names.add(name);
    }
    return [...names].sort();
  }

  /** Deletes a dataset and its files; false if it did not exist. */
  async remove(name: string): Promise<boolean> {
    assertName(name);
    return this.serial(async () => {
      const store = await this.open(name, false);
      if (store === undefined) return false;
      this.stores.delete(name);
      await store.destroy();
      return true;
    });
  }

  /** Writes every open dataset's snapshot and releases its files. */
  async close(): Promise<void> {
    await this.serial(async () => {
      await Promise.all([...this.stores.values()].map((store) => store.close()));
      this.stores.clear();
    });
  }

  private async open(name: string, create: boolean): Promise<DatasetStore | undefined> {
    const known = this.stores.get(name);
    if (known !== undefined) return known;
    const store = await DatasetStore.open(name, datasetFile(this.dataFile, name), create);
    if (store !== undefined) this.stores.set(name, store);
    return store;
  }

  private serial<T>(task: () => Promise<T>): Promise<T> {
    const run = this.lock.then(task);
    this.lock = run.catch(() => undefined);
    return run;
  }
}

function assertName(name: string): void {
  if (!isValidDatasetName(name)) {
    throw dataError(
      400,
      'httpBadRequest',
      `Invalid dataset name "${name.slice(0, 80)}": expected lowercase letters, digits, "_" and "-", starting with a letter or digit, at most 64 characters`,
    );
  }
}
