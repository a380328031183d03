/**
 * A Similar News index as plain data between threads: the buffers to transfer with `postMessage`, and the check of
 * what arrives (see `SimilarIndex.toTransfer` and `fromTransfer`).
 */
import { describeValue } from '../model/content-error.ts';
import type { SimilarIndexData } from './index-data.ts';

/** The buffers of an index's typed arrays, each once: transferred, they leave the sender's arrays detached. */
export function transferList(d: SimilarIndexData): ArrayBuffer[] {
  const arrays: ArrayBufferView[] = [d.time, d.pinnedStart, d.sectionOf, d.fallback.start, d.fallback.item, d.tagNorm];
  for (const signal of [d.text, d.tags]) {
    if (!signal) continue;
    const { df, rows, queryWeight, probeEnd, postings } = signal;
    arrays.push(
      df,
      rows.start,
      rows.item,
      rows.weight,
      queryWeight,
      probeEnd,
      postings.start,
      postings.item,
      postings.weight,
    );
  }
  const buffers = new Set<ArrayBuffer>();
  // The index makes every array on a plain ArrayBuffer (never a SharedArrayBuffer).
  for (const array of arrays) buffers.add(array.buffer as ArrayBuffer);
  return [...buffers];
}

/** Throws unless `data` looks like the data of an index (format 1) with its buffers still attached. */
export function checkTransferred(data: SimilarIndexData): void {
  const problem =
    typeof data !== 'object' || data === null
      ? describeValue(data)
      : data.format !== 1
        ? `format ${describeValue(data.format)}`
        : !Array.isArray(data.ids) || !(data.time instanceof Float64Array)
          ? 'no ids list or no time array'
          : data.time.length !== data.ids.length
            ? `${data.ids.length} ids but ${data.time.length} times (were its buffers transferred away already?)`
            : undefined;
  if (problem !== undefined) {
    throw new TypeError(
      `SimilarIndex.fromTransfer: expected the data of SimilarIndex.toTransfer() (format 1), received ${problem}`,
    );
  }
}
