import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { BuildQueue } from '../../rebuild/queue.ts';

/** A build the test finishes by hand, so that it can trigger while the build runs. */
interface ManualBuild {
  finish(): void;
  fail(error: Error): void;
}

/** A runner that records every build, the most that ran at once, and lets the test end each build. */
function recorder() {
  const builds: ManualBuild[] = [];
  let running = 0;
  let maxRunning = 0;
  const run = () =>
    new Promise<void>((resolve, reject) => {
      running += 1;
      maxRunning = Math.max(maxRunning, running);
      const end = () => {
        running -= 1;
      };
      builds.push({ finish: () => (end(), resolve()), fail: (error) => (end(), reject(error)) });
    });
  return {
    run,
    builds,
    get maxRunning() {
      return maxRunning;
    },
    /** Ends the build that is running (the last one started). */
    finishCurrent() {
      const build = builds.at(-1);
      if (!build) throw new Error('no build has started');
      build.finish();
    },
  };
}

describe('BuildQueue with fake timers', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  test('a burst of triggers within the debounce makes one build, after the quiet time', async () => {
    const r = recorder();
    const queue = new BuildQueue(r.run, { debounceMs: 300 });
    for (let i = 0; i < 10; i += 1) {
      queue.trigger();
      await vi.advanceTimersByTimeAsync(100);
    }
    // The last trigger was 100 ms ago: still inside the quiet time.
    expect(r.builds).toHaveLength(0);
    expect(queue.state()).toEqual({ building: false, pending: true, builds: 0 });
    await vi.advanceTimersByTimeAsync(200);
    expect(r.builds).toHaveLength(1);
    expect(queue.state()).toEqual({ building: true, pending: false, builds: 1 });
    r.finishCurrent();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(r.builds).toHaveLength(1);
    expect(queue.state()).toEqual({ building: false, pending: false, builds: 1 });
  });

  test('triggers that never pause still start a build by maxWaitMs after the first', async () => {
    const r = recorder();
    const queue = new BuildQueue(r.run, { debounceMs: 300, maxWaitMs: 1000 });
    for (let t = 0; t < 900; t += 100) {
      queue.trigger();
      await vi.advanceTimersByTimeAsync(100);
    }
    expect(r.builds, '900 ms after the first trigger').toHaveLength(0);
    queue.trigger();
    await vi.advanceTimersByTimeAsync(100);
    expect(r.builds, '1000 ms after the first trigger').toHaveLength(1);
    queue.trigger();
    r.finishCurrent();
    await vi.advanceTimersByTimeAsync(300);
    expect(r.builds).toHaveLength(2);
    r.finishCurrent();
    await queue.close();
  });

  test('maxWaitMs defaults to eight debounce periods', async () => {
    const r = recorder();
    const queue = new BuildQueue(r.run, { debounceMs: 100 });
    for (let t = 0; t < 799; t += 50) {
      queue.trigger();
      await vi.advanceTimersByTimeAsync(50);
    }
    expect(r.builds).toHaveLength(1);
    r.finishCurrent();
    await queue.close();
  });

  test.each([1, 2, 25])('%i trigger(s) during a build cause exactly one follow-up build', async (count) => {
    const r = recorder();
    const queue = new BuildQueue(r.run, { debounceMs: 300 });
    queue.trigger();
    await vi.advanceTimersByTimeAsync(300);
    expect(r.builds).toHaveLength(1);
    for (let i = 0; i < count; i += 1) {
      queue.trigger();
      await vi.advanceTimersByTimeAsync(1000);
    }
    // However long the build takes, the follow-up waits for it.
    expect(r.builds).toHaveLength(1);
    expect(queue.state()).toEqual({ building: true, pending: true, builds: 1 });
    r.finishCurrent();
    await vi.advanceTimersByTimeAsync(300);
    expect(r.builds).toHaveLength(2);
    r.finishCurrent();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(r.builds).toHaveLength(2);
    expect(r.maxRunning).toBe(1);
    expect(queue.state()).toEqual({ building: false, pending: false, builds: 2 });
  });

  test('a trigger arriving during the follow-up build gets its own build', async () => {
    const r = recorder();
    const queue = new BuildQueue(r.run, { debounceMs: 50 });
    queue.trigger();
    await vi.advanceTimersByTimeAsync(50);
    queue.trigger();
    r.finishCurrent();
    await vi.advanceTimersByTimeAsync(50);
    expect(r.builds).toHaveLength(2);
    queue.trigger();
    r.finishCurrent();
    await vi.advanceTimersByTimeAsync(50);
    expect(r.builds).toHaveLength(3);
    r.finishCurrent();
    await queue.idle();
    expect(queue.state()).toEqual({ building: false, pending: false, builds: 3 });
  });

  test('a failed build does not stop the queue, and a trigger during it is still built', async () => {
    const r = recorder();
    const queue = new BuildQueue(r.run, { debounceMs: 10 });
    queue.trigger();
    await vi.advanceTimersByTimeAsync(10);
    queue.trigger();
    r.builds.at(-1)?.fail(new Error('astro crashed'));
    await vi.advanceTimersByTimeAsync(10);
    expect(r.builds).toHaveLength(2);
    r.finishCurrent();
    queue.trigger();
    await vi.advanceTimersByTimeAsync(10);
    expect(r.builds).toHaveLength(3);
    r.finishCurrent();
    await queue.idle();
  });

  test('idle() waits for the debounce, the build and its follow-up', async () => {
    const r = recorder();
    const queue = new BuildQueue(r.run, { debounceMs: 100 });
    let idle = false;
    queue.trigger();
    const waiting = queue.idle().then(() => {
      idle = true;
    });
    await vi.advanceTimersByTimeAsync(100);
    queue.trigger();
    r.finishCurrent();
    await vi.advanceTimersByTimeAsync(100);
    expect(idle).toBe(false);
    expect(r.builds).toHaveLength(2);
    r.finishCurrent();
    await vi.advanceTimersByTimeAsync(100);
    await waiting;
    expect(idle).toBe(true);
  });

  test('close() waits for the running build, starts no follow-up, and ignores later triggers', async () => {
    const r = recorder();
    const queue = new BuildQueue(r.run, { debounceMs: 100 });
    queue.trigger();
    await vi.advanceTimersByTimeAsync(100);
    queue.trigger();
    let closed = false;
    const closing = queue.close().then(() => {
      closed = true;
    });
    await vi.advanceTimersByTimeAsync(1000);
    expect(closed).toBe(false);
    r.finishCurrent();
    await closing;
    // The trigger during the build was never built: it stays pending, and nothing runs.
    expect(queue.state()).toEqual({ building: false, pending: true, builds: 1 });
    queue.trigger();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(r.builds).toHaveLength(1);
    expect(queue.state()).toEqual({ building: false, pending: true, builds: 1 });
  });

  test('a new queue is idle, with nothing pending', () => {
    expect(new BuildQueue(recorder().run, { debounceMs: 100 }).state()).toEqual({
      building: false,
      pending: false,
      builds: 0,
    });
  });

  test('a trigger after close() is ignored: nothing becomes pending and no timer is set', async () => {
    const r = recorder();
    const queue = new BuildQueue(r.run, { debounceMs: 100 });
    queue.trigger();
    await vi.advanceTimersByTimeAsync(100);
    r.finishCurrent();
    await queue.close();
    expect(queue.state()).toEqual({ building: false, pending: false, builds: 1 });
    queue.trigger();
    expect(queue.state()).toEqual({ building: false, pending: false, builds: 1 });
    expect(vi.getTimerCount()).toBe(0);
  });

  test('close() cancels a build that is only waiting for its quiet time', async () => {
    const r = recorder();
    const queue = new BuildQueue(r.run, { debounceMs: 100 });
    queue.trigger();
    await queue.close();
    // No timer is left to keep the process alive.
    expect(vi.getTimerCount()).toBe(0);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(r.builds).toHaveLength(0);
  });
});

describe('BuildQueue with real timers', () => {
  test('random triggers over builds of random length: never two builds at once, nothing left unbuilt', async () => {
    let running = 0;
    let maxRunning = 0;
    let generation = 0;
    let built = 0;
    const queue = new BuildQueue(
      async () => {
        running += 1;
        maxRunning = Math.max(maxRunning, running);
        // Everything triggered before this point is included in this build.
        const sees = generation;
        await new Promise((resolve) => setTimeout(resolve, 2 + Math.random() * 15));
        built = Math.max(built, sees);
        running -= 1;
      },
      { debounceMs: 3, maxWaitMs: 10 },
    );
    for (let i = 0; i < 200; i += 1) {
      generation += 1;
      queue.trigger();
      if (Math.random() < 0.3) await new Promise((resolve) => setTimeout(resolve, Math.random() * 6));
    }
    await queue.idle();
    expect(maxRunning).toBe(1);
    expect(built, 'the last build saw the last trigger').toBe(generation);
    expect(queue.state().pending).toBe(false);
    expect(queue.state().builds).toBeLessThan(200);
  });
});
