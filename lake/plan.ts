import type { ExprNode } from 'groq-js';
import type { SanityDoc } from './types.ts';

/** A value an equality index can hold: GROQ `==` on these is plain equality. */
type Primitive = string | number | boolean;

/**
 * The documents a perspective shows (sorted by `_id`), with equality indexes built lazily per attribute path
 * (`_type`, `_id`, `slug.current`, ...) so that `*[_type == "x" && slug.current == $slug]` need not scan the dataset.
 */
export class DocView {
  readonly docs: SanityDoc[];
  private readonly indexes = new Map<string, Map<string, SanityDoc[]>>();

  constructor(docs: SanityDoc[]) {
    this.docs = docs;
  }

  /** Documents whose value at `path` equals one of `values`, in view order. */
  byField(path: readonly string[], values: readonly Primitive[]): SanityDoc[] {
    const index = this.index(path);
    if (values.length === 1) return index.get(keyOf(values[0] as Primitive)) ?? [];
    const found = new Set<SanityDoc>();
    for (const value of values) for (const doc of index.get(keyOf(value)) ?? []) found.add(doc);
    return [...found].sort((a, b) => (a._id < b._id ? -1 : a._id > b._id ? 1 : 0));
  }

  private index(path: readonly string[]): Map<string, SanityDoc[]> {
    const name = path.join('.');
    let index = this.indexes.get(name);
    if (index === undefined) {
      index = new Map();
      for (const doc of this.docs) {
        let value: unknown = doc;
        for (const segment of path)
          value =
            typeof value === 'object' && value !== null && !Array.isArray(value)
              ? (value as Record<string, unknown>)[segment]
              : undefined;
        if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') continue;
        const key = keyOf(value);
        const list = index.get(key) ?? [];
        list.push(doc);
        index.set(key, list);
      }
      this.indexes.set(name, index);
    }
    return index;
  }
}

function keyOf(value: Primitive): string {
  return `${typeof value}:${String(value)}`;
}

function isPrimitive(value: unknown): value is Primitive {
  return (
    typeof value === 'string' || (typeof value === 'number' && Number.isFinite(value)) || typeof value === 'boolean'
  );
}

/**
 * Rewrites `*[...]` filters whose condition requires `path == literal` or `path in [literals]` (one of the
 * `&&`-joined terms; parameters arrive inlined as literals) so that they start from the matching documents, found
 * in an index, instead of the whole dataset. The filter itself is kept, so the answer is the same; only the scan is
 * shorter.
 */
export function planQuery(tree: ExprNode, view: DocView): ExprNode {
  return rewrite(tree, view) as ExprNode;
}

function rewrite(node: unknown, view: DocView): unknown {
  if (Array.isArray(node)) return node.map((child) => rewrite(child, view));
  if (typeof node !== 'object' || node === null) return node;
  const record = node as Record<string, unknown>;
  // Values hold data (documents, inlined parameters), not syntax: never rewrite inside them.
  if (record['type'] === 'Value') return node;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(record)) out[key] = rewrite(value, view);
  if (out['type'] === 'Filter' && isEverything(out['base'])) {
    const candidates = narrowest(conjuncts(out['expr']), view);
    if (candidates !== undefined) out['base'] = { type: 'Value', value: candidates };
  }
  return out;
}

function isEverything(node: unknown): boolean {
  return typeof node === 'object' && node !== null && (node as { type?: unknown }).type === 'Everything';
}

function conjuncts(expr: unknown): Record<string, unknown>[] {
  if (typeof expr !== 'object' || expr === null) return [];
  const node = expr as Record<string, unknown>;
  if (node['type'] === 'And') return [...conjuncts(node['left']), ...conjuncts(node['right'])];
  return [node];
}

function narrowest(terms: Record<string, unknown>[], view: DocView): SanityDoc[] | undefined {
  let best: SanityDoc[] | undefined;
  for (const term of terms) {
    const candidates = candidatesFor(term, view);
    if (candidates !== undefined && (best === undefined || candidates.length < best.length)) best = candidates;
  }
  return best;
}

function candidatesFor(term: Record<string, unknown>, view: DocView): SanityDoc[] | undefined {
  if (term['type'] !== 'OpCall') return undefined;
  const { op, left, right } = term;
  if (op === '==') {
    for (const [field, value] of [
      [left, right],
      [right, left],
    ]) {
      const path = ownPath(field);
      const literal = literalOf(value);
      if (path !== undefined && isPrimitive(literal)) return view.byField(path, [literal]);
    }
  }
  if (op === 'in') {
    const path = ownPath(left);
    const literal = literalOf(right);
    if (path !== undefined && Array.isArray(literal) && literal.every(isPrimitive)) return view.byField(path, literal);
  }
  return undefined;
}

/** The attribute path of `a.b.c` read from the document being filtered (no `^`, `@` or `->`), else undefined. */
function ownPath(node: unknown): string[] | undefined {
  if (typeof node !== 'object' || node === null) return undefined;
  const access = node as { type?: unknown; base?: unknown; name?: unknown };
  if (access.type !== 'AccessAttribute' || typeof access.name !== 'string') return undefined;
  if (access.base === undefined) return [access.name];
  const base = ownPath(access.base);
  return base === undefined ? undefined : [...base, access.name];
}

function literalOf(node: unknown): unknown {
  if (typeof node !== 'object' || node === null) return undefined;
  const value = node as { type?: unknown; value?: unknown };
  return value.type === 'Value' ? value.value : undefined;
}
