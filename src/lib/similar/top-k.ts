/**
 * The best `k` of the first `count` entries of `candidates` whose score is above `above` and that are
 * not excluded, best first: score descending, then time descending, then index (id order) ascending.
 * A bounded min-heap keeps this at O(count log k), and most candidates are turned away by one
 * comparison with the worst kept so far.
 */
export function selectTop(
  candidates: Int32Array,
  count: number,
  k: number,
  score: Float64Array,
  above: number,
  excluded: Uint8Array,
  time: Float64Array,
): number[] {
  if (k <= 0) return [];
  const better = (a: number, b: number): boolean =>
    score[a] !== score[b]
      ? (score[a] ?? 0) > (score[b] ?? 0)
      : time[a] !== time[b]
        ? (time[a] ?? 0) > (time[b] ?? 0)
        : // Stryker disable next-line EqualityOperator: never asked of one entry against itself (candidates are distinct)
          a < b;
  const heap: number[] = []; // heap[0] is the worst of the best k so far
  for (let c = 0; c < count; c++) {
    const j = candidates[c] ?? 0;
    const s = score[j] ?? 0;
    if (!(s > above) || excluded[j] === 1) continue;
    if (heap.length < k) {
      heap.push(j);
      for (let child = heap.length - 1; child > 0;) {
        const parent = (child - 1) >> 1;
        if (!better(heap[parent] ?? 0, heap[child] ?? 0)) break;
        [heap[parent], heap[child]] = [heap[child] ?? 0, heap[parent] ?? 0];
        child = parent;
      }
      continue;
    }
    const worst = heap[0] ?? 0;
    // The first test is a shortcut for most candidates: `better` alone decides the same.
    // Stryker disable next-line ConditionalExpression: equivalent, `!better(j, worst)` also turns a lower score away
    if (s < (score[worst] ?? 0) || !better(j, worst)) continue;
    heap[0] = j;
    for (let parent = 0; ;) {
      const left = 2 * parent + 1;
      const right = left + 1;
      let lowest = parent;
      if (left < heap.length && better(heap[lowest] ?? 0, heap[left] ?? 0)) lowest = left;
      if (right < heap.length && better(heap[lowest] ?? 0, heap[right] ?? 0)) lowest = right;
      if (lowest === parent) break;
      [heap[parent], heap[lowest]] = [heap[lowest] ?? 0, heap[parent] ?? 0];
      parent = lowest;
    }
  }
  return heap.sort((a, b) => (better(a, b) ? -1 : 1));
}
