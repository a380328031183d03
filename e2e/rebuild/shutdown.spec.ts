import { mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import path from 'node:path';
import { expect, test } from './fixtures.ts';
import { copyCurrentBuild, freePort, isAlive, startService, type ServiceProcess } from './harness.ts';

/** How long the service may take to stop on SIGTERM. */
const STOP_WITHIN_MS = 5_000;

/**
 * A second service on the shared lake, starting from a copy of the shared service's current build: it serves at
 * once and, not knowing that build's content revision, starts a catch-up build. (It gets no webhooks, and the
 * shared service keeps running for the other specs.)
 */
async function secondService(stack: { service: ServiceProcess; lake: { url: string }; tmp: string }) {
  const dir = await mkdtemp(path.join(stack.tmp, 'second-'));
  await copyCurrentBuild(stack.service.dir, dir);
  const service = startService({ lakeUrl: stack.lake.url, port: await freePort(), dir });
  const dispose = async () => {
    await service.stop(1000);
    // A build process the stop cut short may still be removing its files for a moment.
    await rm(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 });
  };
  try {
    await service.waitForStatus((s) => s.build !== null, 'the copied build to be served', 30_000);
  } catch (error) {
    await dispose();
    throw error;
  }
  return { service, dispose };
}

async function sigterm(service: ServiceProcess) {
  const started = performance.now();
  service.process.kill('SIGTERM');
  const timeout = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), STOP_WITHIN_MS).unref());
  const exit = await Promise.race([service.exited, timeout]);
  return { exit, ms: Math.round(performance.now() - started) };
}

test('SIGTERM while idle, with a client holding a half-sent request open: the service exits 0 within a few seconds', async ({
  stack,
}) => {
  const { service, dispose } = await secondService(stack);
  const { port } = new URL(service.url);
  const socket = connect(Number(port), '127.0.0.1');
  socket.on('error', () => undefined);
  try {
    await service.waitForStatus((s) => !s.queue.building && !s.queue.pending, 'the catch-up build to end', 60_000);
    expect((await fetch(`${service.url}/`)).status).toBe(200);
    // A webhook whose body never finishes arriving (a slow or stuck sender) must not hold up the shutdown.
    socket.write(
      'POST /hooks/sanity HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"_id":',
    );
    await new Promise((resolve) => setTimeout(resolve, 200));
    const { exit, ms } = await sigterm(service);
    test.info().annotations.push({ type: 'stop (idle)', description: `${ms} ms` });
    expect(exit, `exit within ${STOP_WITHIN_MS} ms; output:\n${service.output()}`).toEqual({ code: 0, signal: null });
  } finally {
    socket.destroy();
    await dispose();
  }
});

test('SIGTERM during a build: the build is stopped and the service exits 0 within a few seconds', async ({ stack }) => {
  const { service, dispose } = await secondService(stack);
  try {
    const building = await service.waitForStatus(
      (s) => s.queue.buildPid !== null,
      'the catch-up build to start',
      30_000,
    );
    const pid = building.queue.buildPid;
    if (pid === null) throw new Error('unreachable: waited for a build pid');
    const { exit, ms } = await sigterm(service);
    test.info().annotations.push({ type: 'stop (building)', description: `${ms} ms` });
    expect(exit, `exit within ${STOP_WITHIN_MS} ms; output:\n${service.output()}`).toEqual({ code: 0, signal: null });
    expect(isAlive(pid), 'the build process is gone too').toBe(false);
  } finally {
    await dispose();
  }
});
