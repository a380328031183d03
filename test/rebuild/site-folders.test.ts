/** SiteFolders on real folders: full and merged builds alternating between builds/a and builds/b, failures, restarts. */
import { mkdir, mkdtemp, readdir, readFile, readlink, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { place, SiteFolders } from '../../rebuild/site-folders.ts';

let root: string;
beforeEach(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'site-folders-'));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

let stagings = 0;
/** A staging folder holding `files` (path → text), as a render process leaves it. */
async function staging(files: Record<string, string>): Promise<string> {
  const dir = path.join(root, 'staging', String((stagings += 1)));
  await mkdir(dir, { recursive: true });
  for (const [file, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, file)), { recursive: true });
    await writeFile(path.join(dir, file), text);
  }
  return dir;
}

const read = (dir: string, file: string) => readFile(path.join(dir, file), 'utf8');
const exists = (file: string) =>
  stat(file).then(
    () => true,
    () => false,
  );
const keys = (entries: Record<string, string>) => new Map(Object.entries(entries));

test('full and merged builds alternate between the two folders, each bringing the other to the new site', async () => {
  await mkdir(path.join(root, 'builds', 'old-version'), { recursive: true });
  const folders = new SiteFolders(root);
  expect(await folders.init()).toBeUndefined();
  // A folder of an older version of the service is removed.
  expect(await exists(path.join(root, 'builds', 'old-version'))).toBe(false);

  // A full build fills builds/a.
  const k1 = keys({ '/': 'h1', '/news/x/': 'x1', '/news/z/': 'z1' });
  const u1 = await folders.begin(false);
  expect(u1.tree).toBe('a');
  await folders.fill(
    u1,
    await staging({ 'index.html': 'home 1', 'news/x/index.html': 'x 1', 'news/z/index.html': 'z 1' }),
    k1,
    '',
  );
  const b1 = await folders.swap(u1, { id: 'build-1', revision: 'r1', keys: k1, started: performance.now() });
  expect(b1).toMatchObject({ id: 'build-1', revision: 'r1', dir: path.join(root, 'builds', 'a') });
  expect(await readlink(path.join(root, 'current'))).toBe(path.join('builds', 'a'));
  expect(JSON.parse(await read(root, 'pages.json'))).toEqual({
    build: 'build-1',
    tree: 'a',
    revision: 'r1',
    keys: [...k1],
  });

  // A merged build into builds/b: x changed and is rendered, y is new, z is gone, the home page is unchanged.
  const k2 = keys({ '/': 'h1', '/news/x/': 'x2', '/news/y/': 'y2' });
  const u2 = await folders.begin(true);
  expect(u2.tree).toBe('b');
  await folders.fill(u2, await staging({ 'news/x/index.html': 'x 2', 'news/y/index.html': 'y 2' }), k2, '');
  const b2 = await folders.swap(u2, { id: 'build-2', revision: 'r2', keys: k2, started: performance.now() });
  const b = path.join(root, 'builds', 'b');
  expect(b2.dir).toBe(b);
  expect(await read(b, 'index.html')).toBe('home 1');
  expect(await read(b, 'news/x/index.html')).toBe('x 2');
  expect(await read(b, 'news/y/index.html')).toBe('y 2');
  expect(await exists(path.join(b, 'news/z'))).toBe(false);

  // The next merged build goes into builds/a, which missed build 2: its changes come from builds/b, linked.
  const k3 = keys({ '/': 'h3', '/news/x/': 'x2', '/news/y/': 'y2' });
  const u3 = await folders.begin(true);
  expect(u3.tree).toBe('a');
  await folders.fill(u3, await staging({ 'index.html': 'home 3' }), k3, '');
  await folders.swap(u3, { id: 'build-3', revision: 'r3', keys: k3, started: performance.now() });
  const a = path.join(root, 'builds', 'a');
  expect(await read(a, 'index.html')).toBe('home 3');
  expect(await read(a, 'news/x/index.html')).toBe('x 2');
  expect(await read(a, 'news/y/index.html')).toBe('y 2');
  expect(await exists(path.join(a, 'news/z'))).toBe(false);
  expect(await readdirNames(path.join(root, 'staging'))).toEqual([]);

  // A restart picks up the served build and its page keys from pages.json.
  const again = new SiteFolders(root);
  expect(await again.init()).toMatchObject({ id: 'build-3', revision: 'r3', dir: a, keys: k3 });
  // (Waits for the copy into the other folder that init starts, before the folder is removed.)
  await again.begin(false);
});

async function readdirNames(dir: string): Promise<string[]> {
  return readdir(dir).catch(() => []);
}

test('a build without an index.html fails, and the served build stays', async () => {
  const folders = new SiteFolders(root);
  await folders.init();
  const k1 = keys({ '/': 'h1' });
  const u1 = await folders.begin(false);
  await folders.fill(u1, await staging({ 'index.html': 'home 1' }), k1, '');
  await folders.swap(u1, { id: 'build-1', revision: 'r1', keys: k1, started: performance.now() });

  const u2 = await folders.begin(false);
  const empty = await staging({ 'other.html': 'no home page' });
  await expect(folders.fill(u2, empty, keys({ '/': 'h2' }), 'the output')).rejects.toThrow(
    'the build finished without an index.html',
  );
  // The staging folder is removed whatever happened.
  expect(await exists(empty)).toBe(false);
  await folders.abandon(u2);
  expect(folders.current?.id).toBe('build-1');
  expect(await readlink(path.join(root, 'current'))).toBe(path.join('builds', 'a'));
  expect(await read(path.join(root, 'builds', 'a'), 'index.html')).toBe('home 1');

  // adopt records that the served build shows a newer revision.
  folders.adopt('r1b');
  expect(folders.current?.revision).toBe('r1b');
  await folders.begin(false);
});

test('a served folder without pages.json of its own is picked up with an unknown revision', async () => {
  const a = path.join(root, 'builds', 'a');
  await mkdir(a, { recursive: true });
  await writeFile(path.join(a, 'index.html'), 'home');
  await symlink(path.join('builds', 'a'), path.join(root, 'current'));
  await writeFile(path.join(root, 'pages.json'), JSON.stringify({ build: 'x', tree: 'b', revision: 'r', keys: [] }));
  const current = await new SiteFolders(root).init();
  expect(current).toMatchObject({ id: 'a', revision: 'unknown', dir: a });
  expect(current?.keys).toBeUndefined();
});

test('a current symlink to a folder without index.html serves nothing', async () => {
  await mkdir(path.join(root, 'builds', 'b'), { recursive: true });
  await symlink(path.join('builds', 'b'), path.join(root, 'current'));
  expect(await new SiteFolders(root).init()).toBeUndefined();
});

test('place: move renames the file; link leaves the source and gives the target the same content', async () => {
  await writeFile(path.join(root, 'source'), 'text');
  await place(path.join(root, 'source'), path.join(root, 'deep', 'linked'), 'link');
  expect(await read(root, 'source')).toBe('text');
  expect(await read(root, 'deep/linked')).toBe('text');
  expect((await stat(path.join(root, 'source'))).ino).toBe((await stat(path.join(root, 'deep', 'linked'))).ino);
  await place(path.join(root, 'source'), path.join(root, 'other', 'moved'), 'move');
  expect(await exists(path.join(root, 'source'))).toBe(false);
  expect(await read(root, 'other/moved')).toBe('text');
});

describe('SiteFolders.init: what an earlier run left', () => {
  /** A served folder `tree` holding an index.html, with `pages` as pages.json (none when undefined). */
  async function served(tree: string, pages?: unknown) {
    const dir = path.join(root, 'builds', tree);
    await mkdir(dir, { recursive: true });
    await writeFile(path.join(dir, 'index.html'), 'home');
    await symlink(path.join('builds', tree), path.join(root, 'current'));
    if (pages !== undefined) await writeFile(path.join(root, 'pages.json'), JSON.stringify(pages));
    return dir;
  }

  test('pages.json of the served folder without a build id or revision: the folder name, revision unknown', async () => {
    const a = await served('a', { tree: 'a', keys: [['/', 'h']] });
    const folders = new SiteFolders(root);
    const current = await folders.init();
    expect(current).toEqual({ id: 'a', dir: a, revision: 'unknown', ms: 0, finishedAt: '', keys: keys({ '/': 'h' }) });
    await folders.begin(false);
  });

  test('pages.json whose keys are not a list is not used', async () => {
    const a = await served('a', { build: 'b1', tree: 'a', revision: 'r1', keys: { '/': 'h' } });
    expect(await new SiteFolders(root).init()).toEqual({ id: 'a', dir: a, revision: 'unknown', ms: 0, finishedAt: '' });
  });

  test('no pages.json: the served folder with an unknown revision, and no copy made into the other folder', async () => {
    const a = await served('a');
    const folders = new SiteFolders(root);
    expect(await folders.init()).toEqual({ id: 'a', dir: a, revision: 'unknown', ms: 0, finishedAt: '' });
    const update = await folders.begin(true);
    expect(update).toMatchObject({ tree: 'b', base: folders.current, had: undefined, touched: true });
    await update.prepared;
  });

  test('a current symlink to a folder whose index.html is a folder serves nothing', async () => {
    await mkdir(path.join(root, 'builds', 'a', 'index.html'), { recursive: true });
    await symlink(path.join('builds', 'a'), path.join(root, 'current'));
    expect(await new SiteFolders(root).init()).toBeUndefined();
  });

  test('a served folder of an older version is kept (it is what is served); other old folders go', async () => {
    const legacy = await served('legacy');
    await mkdir(path.join(root, 'builds', 'older'), { recursive: true });
    const current = await new SiteFolders(root).init();
    expect(current?.dir).toBe(legacy);
    expect(await readdir(path.join(root, 'builds'))).toEqual(['legacy']);
  });

  test('with known page keys, the other folder is made a copy of the served one at start, for the next build', async () => {
    const a = await served('a', {
      build: 'b1',
      tree: 'a',
      revision: 'r1',
      keys: [
        ['/', 'h'],
        ['/news/x/', 'x'],
      ],
    });
    await mkdir(path.join(a, 'news', 'x'), { recursive: true });
    await writeFile(path.join(a, 'news', 'x', 'index.html'), 'x 1');
    const folders = new SiteFolders(root);
    await folders.init();
    const update = await folders.begin(true);
    // The copy is ready and known: this update starts from it, untouched.
    expect(update).toMatchObject({ tree: 'b', touched: false, had: keys({ '/': 'h', '/news/x/': 'x' }) });
    const b = path.join(root, 'builds', 'b');
    expect(await read(b, 'news/x/index.html')).toBe('x 1');
    // Made of hard links: no page is copied byte by byte.
    expect((await stat(path.join(b, 'index.html'))).ino).toBe((await stat(path.join(a, 'index.html'))).ino);
  });
});

describe('SiteFolders: merged updates and failures', () => {
  /** A folder set serving build-1 (`/` and /news/x/) from builds/a, the other folder a known copy. */
  async function servingOne() {
    const folders = new SiteFolders(root);
    await folders.init();
    const k1 = keys({ '/': 'h1', '/news/x/': 'x1' });
    const u1 = await folders.begin(false);
    await folders.fill(u1, await staging({ 'index.html': 'home 1', 'news/x/index.html': 'x 1' }), k1, '');
    await folders.swap(u1, { id: 'build-1', revision: 'r1', keys: k1, started: performance.now() });
    return { folders, k1 };
  }

  test('an update abandoned before it touched the folder leaves the folder known: the next one starts from it', async () => {
    const { folders, k1 } = await servingOne();
    const u2 = await folders.begin(true);
    expect(u2).toMatchObject({ tree: 'b', touched: false, had: k1 });
    await folders.abandon(u2);
    const u3 = await folders.begin(true);
    expect(u3).toMatchObject({ tree: 'b', touched: false, had: k1 });
    await folders.abandon(u3);
  });

  test('an update that failed after touching the folder leaves it unknown: the next starts from a fresh copy', async () => {
    const { folders, k1 } = await servingOne();
    const b = path.join(root, 'builds', 'b');
    const u2 = await folders.begin(true);
    // A merged build of a site without a home page: the folder is changed, then the build fails.
    await expect(
      folders.fill(u2, await staging({ 'news/x/index.html': 'x 2' }), keys({ '/news/x/': 'x2' }), 'out'),
    ).rejects.toThrow('the build finished without an index.html');
    await folders.abandon(u2);
    const u3 = await folders.begin(true);
    // A fresh copy of the served site was made when the update was abandoned: it is the served site again.
    expect(u3).toMatchObject({ tree: 'b', touched: false, had: k1 });
    expect(await read(b, 'news/x/index.html')).toBe('x 1');
    expect(await read(b, 'index.html')).toBe('home 1');
    const k3 = keys({ ...Object.fromEntries(k1), '/news/y/': 'y3' });
    await folders.fill(u3, await staging({ 'news/y/index.html': 'y 3' }), k3, '');
    await folders.swap(u3, { id: 'build-3', revision: 'r3', keys: k3, started: performance.now() });
    expect(await read(b, 'news/y/index.html')).toBe('y 3');
  });

  test('a page gone from a merged build takes its now empty folder with it, not a folder that holds more', async () => {
    const { folders } = await servingOne();
    const u2 = await folders.begin(true);
    const k2 = keys({ '/': 'h1', '/news/x/feed.xml': 'f' });
    await folders.fill(u2, await staging({ 'news/x/feed.xml': 'feed' }), k2, '');
    await folders.swap(u2, { id: 'build-2', revision: 'r2', keys: k2, started: performance.now() });
    const b = path.join(root, 'builds', 'b');
    expect(await exists(path.join(b, 'news/x/index.html'))).toBe(false);
    expect(await read(b, 'news/x/feed.xml')).toBe('feed');
    const u3 = await folders.begin(true);
    const k3 = keys({ '/': 'h1' });
    await folders.fill(u3, await staging({}), k3, '');
    await folders.swap(u3, { id: 'build-3', revision: 'r3', keys: k3, started: performance.now() });
    const a = path.join(root, 'builds', 'a');
    expect(await exists(path.join(a, 'news/x'))).toBe(false);
    expect(await readdir(a)).toEqual(['index.html', 'news']);
  });

  test('a swap records the build: its time, and pages.json for the next run', async () => {
    const { folders, k1 } = await servingOne();
    const before = Date.now();
    const u2 = await folders.begin(false);
    await folders.fill(u2, await staging({ 'index.html': 'home 2' }), k1, '');
    const started = performance.now() - 1000;
    const build = await folders.swap(u2, { id: 'build-2', revision: 'r2', keys: k1, started });
    expect(build.ms).toBeGreaterThanOrEqual(1000);
    expect(build.ms).toBeLessThan(60_000);
    expect(Date.parse(build.finishedAt)).toBeGreaterThanOrEqual(before);
    expect(folders.current).toBe(build);
    expect(await readdir(root)).not.toContain(`current.${process.pid}.tmp`);
  });
});

describe('copies and links where the file system or the system refuses', () => {
  test('place: a link across file systems is a copy', async () => {
    const shm = await mkdtemp(path.join('/dev/shm', 'site-folders-'));
    try {
      const source = path.join(shm, 'page.html');
      await writeFile(source, 'page');
      if ((await stat(shm)).dev === (await stat(root)).dev) return; // one file system here: nothing to show
      await place(source, path.join(root, 'deep', 'page.html'), 'link');
      expect(await read(root, 'deep/page.html')).toBe('page');
      expect(await read(shm, 'page.html')).toBe('page');
      expect(await readdir(path.join(root, 'deep'))).toEqual(['page.html']);
    } finally {
      await rm(shm, { recursive: true, force: true });
    }
  });

  test('without a cp command, the other folder is a plain copy of the served one', async () => {
    const a = path.join(root, 'builds', 'a');
    await mkdir(path.join(a, 'news', 'x'), { recursive: true });
    await writeFile(path.join(a, 'index.html'), 'home');
    await writeFile(path.join(a, 'news', 'x', 'index.html'), 'x');
    await symlink(path.join('builds', 'a'), path.join(root, 'current'));
    await writeFile(
      path.join(root, 'pages.json'),
      JSON.stringify({
        build: 'b1',
        tree: 'a',
        revision: 'r1',
        keys: [
          ['/', 'h'],
          ['/news/x/', 'x'],
        ],
      }),
    );
    const saved = process.env['PATH'];
    process.env['PATH'] = path.join(root, 'no-commands-here');
    try {
      const folders = new SiteFolders(root);
      await folders.init();
      const update = await folders.begin(true);
      expect(update).toMatchObject({ tree: 'b', touched: false });
    } finally {
      process.env['PATH'] = saved;
    }
    const b = path.join(root, 'builds', 'b');
    expect(await read(b, 'news/x/index.html')).toBe('x');
    expect((await stat(path.join(b, 'index.html'))).ino).not.toBe((await stat(path.join(a, 'index.html'))).ino);
  });
});
