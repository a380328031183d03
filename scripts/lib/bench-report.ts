// The pure parts of `npm run bench`: reading --sizes, medians, one table per size with this project's ratios to the
// anchors (timings on a shared machine move by 30% or more between runs; ratios from one run move much less).

/** The three builds timed for each generator and size. */
export const SCENARIOS = ['cold', 'nothing changed', 'one story changed'] as const;
export type Scenario = (typeof SCENARIOS)[number];

/** One build of one generator: what it cost and what it made. */
export interface BuildResult {
  size: number;
  run: number;
  generator: string;
  scenario: Scenario;
  exitCode: number;
  wallMs: number;
  cpuS: number;
  peakRssBytes: number;
  pages: number;
  log: string;
  /** The last lines of its output, kept when it failed. */
  tail?: string[];
}

/** Medians over the runs of one generator and scenario, and (for the subject) its ratios to each anchor. */
export interface SummaryRow {
  generator: string;
  scenario: Scenario;
  runs: number;
  failed: number[];
  wallMs: number;
  cpuS: number;
  peakRssBytes: number;
  pages: number;
  msPerPage: number;
  msPerStory: number;
  ratios: Record<string, { wall: number; cpu: number }>;
}

/** Story counts from `--sizes` ("1k,10k", "1000,10000,100k"), or every part that is not one. */
export function sizesFromText(text: string): { sizes: number[]; errors: string[] } {
  const sizes: number[] = [];
  const errors: string[] = [];
  for (const part of text.split(',')) {
    const match = /^(\d+)(k?)$/i.exec(part.trim());
    const size = match ? Number(match[1]) * (match[2] ? 1000 : 1) : NaN;
    if (Number.isSafeInteger(size) && size > 0) sizes.push(size);
    else errors.push(`--sizes: expected story counts such as 1k,10k or 1000,10000, received ${JSON.stringify(part)}`);
  }
  return { sizes, errors };
}

/** "10k" for 10000, "1500" for 1500. */
export function sizeLabel(size: number): string {
  return size % 1000 === 0 ? `${size / 1000}k` : String(size);
}

/** The median (the mean of the middle two for an even count); NaN for no values. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  if (sorted.length === 0) return NaN;
  return sorted.length % 2 === 1 ? (sorted[mid] ?? NaN) : ((sorted[mid - 1] ?? NaN) + (sorted[mid] ?? NaN)) / 2;
}

/**
 * One row per scenario and generator (scenario first, in `generators` order) of one size's results. The subject's
 * rows carry, per anchor, the median over runs of subject ÷ anchor, from runs where both builds succeeded.
 */
export function summarize(
  results: readonly BuildResult[],
  size: number,
  generators: readonly string[],
  subject: string,
): SummaryRow[] {
  const rows: SummaryRow[] = [];
  for (const scenario of SCENARIOS) {
    const of = (generator: string) =>
      results.filter((r) => r.size === size && r.generator === generator && r.scenario === scenario);
    for (const generator of generators) {
      const all = of(generator);
      if (all.length === 0) continue;
      const ok = all.filter((r) => r.exitCode === 0);
      const wallMs = median(ok.map((r) => r.wallMs));
      const pages = median(ok.map((r) => r.pages));
      const ratios: SummaryRow['ratios'] = {};
      if (generator === subject) {
        for (const anchor of generators.filter((g) => g !== subject)) {
          const pairs = ok.flatMap((mine) =>
            of(anchor)
              .filter((theirs) => theirs.run === mine.run && theirs.exitCode === 0)
              .map((theirs) => [mine, theirs] as const),
          );
          if (pairs.length > 0)
            ratios[anchor] = {
              wall: median(pairs.map(([m, t]) => m.wallMs / t.wallMs)),
              cpu: median(pairs.map(([m, t]) => m.cpuS / t.cpuS)),
            };
        }
      }
      rows.push({
        generator,
        scenario,
        runs: ok.length,
        failed: all.filter((r) => r.exitCode !== 0).map((r) => r.exitCode),
        wallMs,
        cpuS: median(ok.map((r) => r.cpuS)),
        peakRssBytes: median(ok.map((r) => r.peakRssBytes)),
        pages,
        msPerPage: wallMs / pages,
        msPerStory: wallMs / size,
        ratios,
      });
    }
  }
  return rows;
}

/** The table printed for one size: a row per generator and scenario, the subject's ratios to each anchor at the right. */
export function formatSummary(rows: readonly SummaryRow[], anchors: readonly string[]): string {
  const header = [
    'generator',
    'scenario',
    'wall s',
    'CPU s',
    'peak RSS',
    'pages',
    'ms/page',
    'ms/story',
    ...anchors.flatMap((a) => [`wall/${a}`, `CPU/${a}`]),
  ];
  const body = rows.map((row) => {
    const ratios = anchors.flatMap((a) => {
      const ratio = row.ratios[a];
      return ratio ? [times(ratio.wall), times(ratio.cpu)] : ['', ''];
    });
    if (row.runs === 0)
      return [
        row.generator,
        `${row.scenario} (exit ${[...new Set(row.failed)].join(', ')})`,
        'failed',
        '',
        '',
        '',
        '',
        '',
        ...ratios,
      ];
    const failed = row.failed.length > 0 ? ` (${row.failed.length} of ${row.failed.length + row.runs} failed)` : '';
    return [
      row.generator,
      row.scenario + failed,
      seconds(row.wallMs / 1000),
      seconds(row.cpuS),
      bytes(row.peakRssBytes),
      row.pages.toLocaleString('en-US'),
      row.msPerPage.toFixed(2),
      row.msPerStory.toFixed(2),
      ...ratios,
    ];
  });
  return formatTable(header, body, 2);
}

/** Columns padded to their widest cell: the first `left` columns left-aligned, the others right-aligned. */
export function formatTable(header: readonly string[], rows: readonly (readonly string[])[], left: number): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    widths
      .map((w, i) => (i < left ? (cells[i] ?? '').padEnd(w) : (cells[i] ?? '').padStart(w)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

/** 1.23 (under 10), 12.3 (from 10). */
export function seconds(value: number): string {
  return value < 10 ? value.toFixed(2) : value.toFixed(1);
}

/** "512 MiB", "1.25 GiB". */
export function bytes(value: number): string {
  return value >= 1024 ** 3 ? `${(value / 1024 ** 3).toFixed(2)} GiB` : `${Math.round(value / 1024 ** 2)} MiB`;
}

function times(ratio: number): string {
  return `${ratio.toFixed(2)}×`;
}

/** The value at percentile `p` (0–100) of sorted samples (nearest rank, rounded down); NaN for none. */
export function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

/** One line of latency samples: count, mean, p50, p95 and max, with `digits` decimals (ms unless `unit` says). */
export function latencyLine(
  label: string,
  samples: readonly number[],
  { width = 34, digits = 2, unit = 'ms' }: { width?: number; digits?: number; unit?: string } = {},
): string {
  const sorted = [...samples].sort((a, b) => a - b);
  const mean = samples.reduce((sum, value) => sum + value, 0) / samples.length;
  const f = (n: number) => n.toFixed(digits);
  return `${label.padEnd(width)} n=${String(samples.length).padEnd(5)} mean ${f(mean)} ${unit}  p50 ${f(percentile(sorted, 50))}  p95 ${f(percentile(sorted, 95))}  max ${f(sorted.at(-1) ?? 0)}`;
}
