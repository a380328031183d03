// Strong references, the ones Content Lake keeps whole: an object with a string `_ref` anywhere in a document, unless
// it says `_weak: true`. A cross-dataset reference (`_dataset`/`_projectId`) or a global one (`_ref` with a ":")
// points outside the dataset, so the dataset cannot hold it to anything and it is left out.

/** Every document id `doc` strongly references. */
export function strongReferences(doc: unknown): Set<string> {
  const found = new Set<string>();
  // An explicit stack rather than recursion: a deeply nested document must not exhaust the call stack.
  const stack: unknown[] = [doc];
  for (let value = stack.pop(); value !== undefined || stack.length > 0; value = stack.pop()) {
    if (typeof value !== 'object' || value === null) continue;
    // Children are pushed last first, so that references are found in document order (a stable order for callers).
    if (Array.isArray(value)) {
      for (let index = value.length - 1; index >= 0; index -= 1) stack.push(value[index]);
      continue;
    }
    const record = value as Record<string, unknown>;
    if (isStrongReference(record)) found.add(record['_ref'] as string);
    const children = Object.values(record);
    for (let index = children.length - 1; index >= 0; index -= 1) stack.push(children[index]);
  }
  return found;
}

/** Where in `doc` its first strong reference to `target` is (`tags[0]`, `section`), for error messages. */
export function referencePath(doc: unknown, target: string): string {
  const stack: { value: unknown; path: string }[] = [{ value: doc, path: '' }];
  for (let next = stack.pop(); next !== undefined; next = stack.pop()) {
    const { value, path } = next;
    if (typeof value !== 'object' || value === null) continue;
    if (Array.isArray(value)) {
      for (let index = value.length - 1; index >= 0; index -= 1)
        stack.push({ value: value[index], path: `${path}[${index}]` });
      continue;
    }
    const record = value as Record<string, unknown>;
    if (isStrongReference(record) && record['_ref'] === target) return path === '' ? '(the document itself)' : path;
    for (const key of Object.keys(record).reverse())
      stack.push({ value: record[key], path: path === '' ? key : `${path}.${key}` });
  }
  return '(unknown field)';
}

function isStrongReference(record: Record<string, unknown>): boolean {
  const ref = record['_ref'];
  return typeof ref === 'string' && record['_weak'] !== true && isLocal(record, ref);
}

function isLocal(reference: Record<string, unknown>, ref: string): boolean {
  return reference['_dataset'] === undefined && reference['_projectId'] === undefined && !ref.includes(':');
}

/**
 * The document as the publish action writes it: references the Studio wrote weak only because their target was not
 * published yet (`_weak: true` with `_strengthenOnPublish`) become strong, unless `_strengthenOnPublish.weak` says
 * the field is weak by schema.
 */
export function strengthenOnPublish(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(strengthenOnPublish);
  if (typeof value !== 'object' || value === null) return value;
  const record = value as Record<string, unknown>;
  const marker = record['_strengthenOnPublish'];
  const strengthen = typeof record['_ref'] === 'string' && marker !== undefined && marker !== null && marker !== false;
  const out: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(record)) {
    if (strengthen && (key === '_strengthenOnPublish' || (key === '_weak' && !isWeakBySchema(marker)))) continue;
    out[key] = strengthenOnPublish(child);
  }
  return out;
}

function isWeakBySchema(marker: unknown): boolean {
  return typeof marker === 'object' && marker !== null && (marker as Record<string, unknown>)['weak'] === true;
}
