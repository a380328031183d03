import { describe, expect, test } from 'vitest';
import { BuildRequests } from '../../rebuild/requests.ts';

/** Requests whose triggers are counted. */
function requests() {
  let triggers = 0;
  const made = new BuildRequests(() => {
    triggers += 1;
  });
  return { made, triggers: () => triggers };
}

describe('BuildRequests', () => {
  test.each([
    ['published ids are hints', ['a', 'b'], ['a', 'b']],
    ['a draft is read as its published document', ['drafts.a'], ['a']],
    ['a version id reads every change', ['a', 'versions.r1.a'], null],
    ['a webhook that names nothing reads every change', ['a', undefined], null],
    ['an empty id names nothing', ['a', ''], null],
    ['only a leading "drafts." marks a draft', ['a', 'notdrafts.b'], null],
  ])('%s', (_, ids, hint) => {
    const { made, triggers } = requests();
    made.take(); // after the first build: hints start empty
    for (const id of ids) made.webhook(id);
    expect(triggers()).toBe(ids.length);
    const taken = made.take();
    expect(taken.hint === null ? null : [...taken.hint].sort()).toEqual(hint);
  });

  test('the first build reads every change; a failed sync makes the next one read every change again', () => {
    const { made } = requests();
    expect(made.take().hint).toBeNull();
    made.webhook('a');
    expect([...(made.take().hint ?? [])]).toEqual(['a']);
    made.webhook('b');
    made.take();
    made.forget();
    made.webhook('c');
    expect(made.take().hint).toBeNull();
  });

  test('again() and request() keep or drop the hints; only webhooks and the start set the trigger time', () => {
    const { made, triggers } = requests();
    made.take();
    made.again();
    expect(made.take()).toEqual({ hint: new Set(), triggeredAt: null });
    made.webhook('a');
    made.again();
    const taken = made.take();
    expect([...(taken.hint ?? [])]).toEqual(['a']);
    expect(taken.triggeredAt).toMatch(/^\d{4}-\d\d-\d\dT/);
    made.request();
    expect(made.take()).toEqual({ hint: null, triggeredAt: null });
    made.start();
    expect(made.take().triggeredAt).not.toBeNull();
    expect(triggers()).toBe(5);
  });

  test('the trigger time is the first webhook’s since the last build began, not a later one’s', async () => {
    const { made } = requests();
    made.take();
    const before = Date.now();
    made.webhook('a');
    await new Promise((resolve) => setTimeout(resolve, 20));
    const later = Date.now();
    made.webhook('b');
    const at = Date.parse(made.take().triggeredAt ?? '');
    expect(at).toBeGreaterThanOrEqual(before);
    expect(at).toBeLessThan(later);
  });
});
