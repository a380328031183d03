import { encodeSignatureHeader } from '@sanity/webhook';
import type { ServiceStatus } from '../../rebuild/service.ts';
import { EXISTING, expect, test, uniqueSuffix } from './fixtures.ts';
import { SECRET, sleep } from './harness.ts';

/** What a refused request must leave alone: the served build, the content, the queue and the accepted count. */
// (The queue's `renderer`, the next build process warming up, changes on its own time, so it is left out.)
const unchangedPart = (s: ServiceStatus) => ({
  build: s.build,
  contentRevision: s.contentRevision,
  lastSuccess: s.lastSuccess,
  lastFailure: s.lastFailure,
  queue: { ...s.queue, renderer: undefined },
  accepted: s.webhooks.accepted,
});

async function post(url: string, body: string, signature: string) {
  const response = await fetch(`${url}/hooks/sanity`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'sanity-webhook-signature': signature,
      'idempotency-key': `e2e-${uniqueSuffix()}`,
    },
    body,
  });
  return { status: response.status, body: (await response.json()) as { error?: string; status?: string } };
}

test('a forged signature and a replayed request are refused with 401 and queue nothing', async ({ stack }) => {
  const { service } = stack;
  const before = await stack.settle();
  // Exactly what the lake would send for an existing story, so only the signature can make it fail.
  const body = JSON.stringify({ _id: EXISTING.story.id, _type: 'story', slug: EXISTING.story.slug });

  const forged = await post(service.url, body, await encodeSignatureHeader(body, Date.now(), 'not-the-webhook-secret'));
  expect(forged).toEqual({ status: 401, body: { error: 'invalid signature' } });
  const replayed = await post(service.url, body, await encodeSignatureHeader(body, Date.now() - 6 * 60_000, SECRET));
  expect(replayed.status).toBe(401);
  expect(replayed.body.error).toMatch(/older than 300 s/);

  // Longer than the debounce (300 ms): a queued build would show as pending or building by now.
  await sleep(1000);
  const after = await service.status();
  expect(unchangedPart(after)).toEqual(unchangedPart(before));
  expect(after.webhooks.refused - before.webhooks.refused).toBe(2);

  // The same body signed now with the right secret is accepted: the refusals above were about the signature alone.
  const genuine = await post(service.url, body, await encodeSignatureHeader(body, Date.now(), SECRET));
  expect(genuine).toEqual({ status: 202, body: { status: 'queued' } });
  const settled = await stack.settle();
  expect(settled.queue.builds - before.queue.builds, 'the genuine delivery ran the queue once').toBe(1);
  // Nothing changed in the content, so the service kept serving the same build rather than rebuilding.
  expect(settled.build?.id).toBe(before.build?.id);
});
