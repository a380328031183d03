import { afterEach, describe, expect, test, vi } from 'vitest';
import { ScheduledStories } from '../../rebuild/schedule.ts';

// The timer for the next scheduled story: it fires a second after the story's time (at once plus a second for a time
// already past), at most setTimeout's limit ahead, and never keeps the process alive.
const NOW = Date.parse('2026-11-28T12:00:00Z');
const at = (ms: number) => new Date(NOW + ms).toISOString();

describe('ScheduledStories with fake timers', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  const start = () => {
    vi.useFakeTimers({ now: NOW });
    const due: string[] = [];
    return { due, schedule: new ScheduledStories((time) => due.push(time)) };
  };

  test('a story five seconds ahead is due a second after its time, not before', async () => {
    const { due, schedule } = start();
    schedule.arm(at(5000));
    expect(schedule.next).toBe(at(5000));
    await vi.advanceTimersByTimeAsync(5999);
    expect(due).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(due).toEqual([at(5000)]);
  });

  test('a time already past is due a second later', async () => {
    const { due, schedule } = start();
    schedule.arm(at(-60_000));
    await vi.advanceTimersByTimeAsync(999);
    expect(due).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(due).toEqual([at(-60_000)]);
  });

  test('arming again replaces the timer armed before', async () => {
    const { due, schedule } = start();
    schedule.arm(at(1000));
    schedule.arm(at(10_000));
    expect(schedule.next).toBe(at(10_000));
    await vi.advanceTimersByTimeAsync(10_000);
    expect(due).toEqual([]);
    await vi.advanceTimersByTimeAsync(1000);
    expect(due).toEqual([at(10_000)]);
  });

  test('arming with nothing clears the timer and the next time', async () => {
    const { due, schedule } = start();
    expect(schedule.next).toBeNull();
    schedule.arm(at(1000));
    schedule.arm(undefined);
    expect(schedule.next).toBeNull();
    await vi.advanceTimersByTimeAsync(3_600_000);
    expect(due).toEqual([]);
  });

  test('stop clears the timer', async () => {
    const { due, schedule } = start();
    schedule.arm(at(1000));
    schedule.stop();
    await vi.advanceTimersByTimeAsync(3_600_000);
    expect(due).toEqual([]);
  });

  test('a story further ahead than setTimeout allows is waited for in steps of its limit (2^31 - 1 ms)', async () => {
    const { due, schedule } = start();
    const limit = 2 ** 31 - 1;
    const time = at(100 * 86_400_000);
    schedule.arm(time);
    await vi.advanceTimersByTimeAsync(limit - 1);
    expect(due).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    // The caller re-arms with the same time, which is still ahead.
    expect(due).toEqual([time]);
  });
});

describe('ScheduledStories with real timers', () => {
  const refTimers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;

  test('the armed timer does not keep the process alive', () => {
    const before = refTimers();
    const schedule = new ScheduledStories(() => undefined);
    schedule.arm(new Date(Date.now() + 3_600_000).toISOString());
    try {
      expect(refTimers()).toBe(before);
    } finally {
      schedule.stop();
    }
  });
});
