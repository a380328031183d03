import { strongReferences } from '../../lake/references.ts';

/**
 * Splits documents into transactions of about `size`, in reference order: a document is written in the same
 * transaction as, or a later one than, every document of the list it strongly references, because Sanity refuses a
 * strong reference to a document that does not exist yet. Documents that reference each other in a cycle (two
 * stories pinning each other) stay in one transaction, which may then hold more than `size`.
 */
export function transactionsInReferenceOrder<T extends { _id: string }>(docs: readonly T[], size: number): T[][] {
  const byId = new Map(docs.map((doc) => [doc._id, doc]));
  const batches: T[][] = [];
  let current: T[] = [];
  for (const component of referenceComponents(docs, byId)) {
    if (current.length > 0 && current.length + component.length > size) {
      batches.push(current);
      current = [];
    }
    for (const id of component) {
      const doc = byId.get(id);
      if (doc !== undefined) current.push(doc);
    }
  }
  if (current.length > 0) batches.push(current);
  return batches;
}

/**
 * The strongly connected components of the reference graph (Tarjan's algorithm, iterative so that a long chain of
 * references cannot exhaust the stack), each emitted after every component it references: targets first.
 */
function referenceComponents<T extends { _id: string }>(docs: readonly T[], byId: ReadonlyMap<string, T>): string[][] {
  const position = new Map([...byId.keys()].map((id, index) => [id, index]));
  const ids = [...byId.keys()];
  const targets = ids.map((id) =>
    [...strongReferences(byId.get(id))].flatMap((target) => (target === id ? [] : (position.get(target) ?? []))),
  );
  const order = new Array<number>(ids.length).fill(-1);
  const low = new Array<number>(ids.length).fill(0);
  const onStack = new Array<boolean>(ids.length).fill(false);
  const stack: number[] = [];
  const components: string[][] = [];
  let visited = 0;
  const visit = (node: number): void => {
    order[node] = low[node] = visited++;
    stack.push(node);
    onStack[node] = true;
  };
  for (const root of docs.map((doc) => position.get(doc._id) ?? 0)) {
    if ((order[root] ?? -1) >= 0) continue;
    visit(root);
    const frames = [{ node: root, next: 0 }];
    while (frames.length > 0) {
      const frame = frames[frames.length - 1];
      if (frame === undefined) break;
      const { node } = frame;
      const target = targets[node]?.[frame.next];
      if (target !== undefined) {
        frame.next += 1;
        if ((order[target] ?? -1) < 0) {
          visit(target);
          frames.push({ node: target, next: 0 });
        } else if (onStack[target] === true) {
          low[node] = Math.min(low[node] ?? 0, order[target] ?? 0);
        }
        continue;
      }
      frames.pop();
      const parent = frames[frames.length - 1];
      if (parent !== undefined) low[parent.node] = Math.min(low[parent.node] ?? 0, low[node] ?? 0);
      if (low[node] !== order[node]) continue;
      const component: string[] = [];
      for (let member = stack.pop(); member !== undefined; member = stack.pop()) {
        onStack[member] = false;
        component.push(ids[member] ?? '');
        if (member === node) break;
      }
      components.push(component.reverse());
    }
  }
  return components;
}
