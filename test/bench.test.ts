import { describe, expect, test } from 'vitest';
import {
  formatSummary,
  formatTable,
  median,
  sizesFromText,
  summarize,
  type BuildResult,
} from '../scripts/lib/bench-report.ts';
import {
  childCpuFromTimes,
  descendantsRssKb,
  procStatusFromText,
  type ProcStatus,
} from '../scripts/lib/process-usage.ts';

describe('childCpuFromTimes', () => {
  test.each([
    ['0m0.004s 0m0.001s\n0m12.345s 0m1.500s\n', { userS: 12.345, systemS: 1.5 }],
    ['0m0.000s 0m0.000s\n2m3.500s 0m10.250s', { userS: 123.5, systemS: 10.25 }],
    ['0m0.000s 0m0.000s\n', undefined],
    ['', undefined],
  ])('%j', (text, expected) => {
    expect(childCpuFromTimes(text)).toEqual(expected);
  });
});

describe('procStatusFromText', () => {
  test('reads the parent and VmRSS', () => {
    expect(
      procStatusFromText(
        'Name:\tnode\nState:\tS (sleeping)\nPid:\t42\nPPid:\t7\nVmPeak:\t 999 kB\nVmRSS:\t  123456 kB\n',
      ),
    ).toEqual({ ppid: 7, rssKb: 123456 });
  });
  test('a kernel thread has no VmRSS', () => {
    expect(procStatusFromText('Name:\tkthreadd\nPid:\t2\nPPid:\t0\n')).toEqual({ ppid: 0, rssKb: 0 });
  });
  test('text without PPid is not a status', () => {
    expect(procStatusFromText('')).toBeUndefined();
  });
});

describe('descendantsRssKb', () => {
  // 1 ─ 10 (bash) ─ 11 (build) ─┬ 12 (worker) ─ 13
  //                              └ 14
  //   ─ 20 (unrelated)
  const procs = new Map<number, ProcStatus>([
    [1, { ppid: 0, rssKb: 5 }],
    [10, { ppid: 1, rssKb: 3 }],
    [11, { ppid: 10, rssKb: 1000 }],
    [12, { ppid: 11, rssKb: 200 }],
    [13, { ppid: 12, rssKb: 30 }],
    [14, { ppid: 11, rssKb: 4 }],
    [20, { ppid: 1, rssKb: 7777 }],
  ]);
  test.each([
    [10, 1234],
    [11, 234],
    [13, 0],
    [99, 0],
  ])('under %i', (root, expected) => {
    expect(descendantsRssKb(procs, root)).toBe(expected);
  });
});

describe('median', () => {
  test.each([
    [[3, 1, 2], 2],
    [[4, 1, 3, 2], 2.5],
    [[7], 7],
  ])('%j', (values, expected) => {
    expect(median(values)).toBe(expected);
  });
  test('of nothing is NaN', () => {
    expect(median([])).toBeNaN();
  });
});

describe('sizesFromText', () => {
  test('accepts counts and thousands', () => {
    expect(sizesFromText('1k,10K, 2500,100k')).toEqual({ sizes: [1000, 10000, 2500, 100000], errors: [] });
  });
  test('names every part that is not a count', () => {
    expect(sizesFromText('1k,ten,0,1.5k').errors).toEqual([
      '--sizes: expected story counts such as 1k,10k or 1000,10000, received "ten"',
      '--sizes: expected story counts such as 1k,10k or 1000,10000, received "0"',
      '--sizes: expected story counts such as 1k,10k or 1000,10000, received "1.5k"',
    ]);
  });
});

describe('summarize and formatSummary', () => {
  const result = (generator: string, run: number, wallMs: number, cpuS: number, exitCode = 0): BuildResult => ({
    size: 1000,
    run,
    generator,
    scenario: 'cold',
    exitCode,
    wallMs,
    cpuS,
    peakRssBytes: 512 * 1024 ** 2,
    pages: 2000,
    log: 'x.log',
  });
  const results = [
    result('newsdesk', 1, 20_000, 30),
    result('astro', 1, 10_000, 10),
    result('hugo', 1, 2_000, 3, 1),
    result('newsdesk', 2, 30_000, 40),
    result('astro', 2, 10_000, 20),
    result('hugo', 2, 4_000, 5, 1),
  ];
  const rows = summarize(results, 1000, ['newsdesk', 'astro', 'hugo'], 'newsdesk');

  test('medians over runs, ratios from runs where both succeeded', () => {
    expect(rows.map((r) => r.generator)).toEqual(['newsdesk', 'astro', 'hugo']);
    expect(rows[0]).toMatchObject({
      runs: 2,
      wallMs: 25_000,
      cpuS: 35,
      msPerPage: 12.5,
      msPerStory: 25,
      ratios: { astro: { wall: 2.5, cpu: 2.5 } },
    });
    expect(rows[0]?.ratios['hugo']).toBeUndefined();
    expect(rows[2]).toMatchObject({ runs: 0, failed: [1, 1] });
  });

  test('prints one aligned row per generator and scenario', () => {
    expect(formatSummary(rows, ['astro', 'hugo'])).toBe(
      [
        'generator  scenario       wall s  CPU s  peak RSS  pages  ms/page  ms/story  wall/astro  CPU/astro  wall/hugo  CPU/hugo',
        'newsdesk   cold             25.0   35.0   512 MiB  2,000    12.50     25.00       2.50×      2.50×',
        'astro      cold             10.0   15.0   512 MiB  2,000     5.00     10.00',
        'hugo       cold (exit 1)  failed',
      ].join('\n'),
    );
  });
});

test('formatTable aligns the first columns left and the others right', () => {
  expect(
    formatTable(
      ['a', 'n'],
      [
        ['xyz', '1'],
        ['b', '100'],
      ],
      1,
    ),
  ).toBe('a      n\nxyz    1\nb    100');
});
