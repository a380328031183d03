// Strong references, the ones Content Lake keeps whole: an object with a string `_ref` anywhere in a document, unless
// it says `_weak: true`. A cross-dataset reference (`_dataset`/`_projectId`) or a global one (`_ref` with a ":")
// points outside the dataset, so the dataset cannot hold it to anything and it is left out.

/** Every document id `doc` strongly references, each with the path of its first occurrence (`tags[0]`, `section`). */
export function strongReferences(doc: unknown): Map<string, string> {
  const found = new Map<string, string>();
  // An explicit stack rather than recursion: a deeply nested document must not exhaust the call stack.
  const stack: { value: unknown; path: string }[] = [{ value: doc, path: '' }];
  for (let next = stack.pop(); next !== undefined; next = stack.pop()) {
    const { value, path } = next;
    if (Array.isArray(value)) {
      for (let index = value.length - 1; index >= 0; index -= 1) stack.push({ value: value[index], path: `${path}[${index}]` });
      continue;
    }
    if (typeof value !== 'object' || value === null) continue;
    const record = value as Record<string, unknown>;
    const ref = record['_ref'];
    if (typeof ref === 'string' && record['_weak'] !== true && isLocal(record, ref) && !found.has(ref)) found.set(ref, path === '' ? '(the document itself)' : path);
    const entries = Object.entries(record);
    for (let index = entries.length - 1; index >= 0; index -= 1) {
      const entry = entries[index];
      if (entry !== undefined) stack.push({ value: entry[1], path: path === '' ? entry[0] : `${path}.${entry[0]}` });
    }
  }
  return found;
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
