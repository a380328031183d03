import { isDeepStrictEqual } from 'node:util';
import type { DocChange, SanityDoc } from './types.ts';

// Mendoza patches (the effect format of listen events and history transactions), encoded here because the `mendoza`
// package only applies them. Opcodes are indexes into the package's OPS table; a field index points into the input
// object's keys, sorted.
const VALUE = 0;
const PUSH_FIELD_COPY = 10;
const RETURN_INTO_OBJECT_SAME_KEY_POP = 15;
const OBJECT_SET_FIELD_VALUE = 17;
const OBJECT_DELETE_FIELD = 19;

/** A raw mendoza patch. */
export type MendozaPatch = unknown[];

/** What a transaction did to one document, as mendoza patches: `apply` turns before into after, `revert` back. */
export interface Effect {
  apply: MendozaPatch;
  revert: MendozaPatch;
}

/**
 * A mendoza patch turning `left` into `right`: objects field by field (recursively); anything else (arrays, strings,
 * `null`) replaced whole.
 */
export function mendozaPatch(left: unknown, right: unknown): MendozaPatch {
  if (!isObject(left) || !isObject(right)) return [VALUE, right];
  const ops: unknown[] = [];
  objectOps(left, right, ops);
  return ops;
}

function objectOps(left: Record<string, unknown>, right: Record<string, unknown>, ops: unknown[]): void {
  const leftKeys = Object.keys(left).sort();
  for (const [index, key] of leftKeys.entries()) if (!Object.hasOwn(right, key)) ops.push(OBJECT_DELETE_FIELD, index);
  for (const key of Object.keys(right)) {
    const before = left[key];
    const after = right[key];
    const had = Object.hasOwn(left, key);
    if (had && isDeepStrictEqual(before, after)) continue;
    if (had && isObject(before) && isObject(after)) {
      ops.push(PUSH_FIELD_COPY, leftKeys.indexOf(key));
      objectOps(before, after, ops);
      ops.push(RETURN_INTO_OBJECT_SAME_KEY_POP);
    } else ops.push(OBJECT_SET_FIELD_VALUE, after, key);
  }
}

/** A document without `_rev`, as the Studio holds it when it applies effects (it sets `_rev` itself). */
export function withoutRev(doc: SanityDoc | null): Omit<SanityDoc, '_rev'> | null {
  if (doc === null) return null;
  const { _rev: _ignored, ...rest } = doc;
  return rest;
}

/** The effect of one change: patches between the revisions without `_rev`, so that only edited fields appear. */
export function effectOf({ before, after }: DocChange): Effect {
  const left = withoutRev(before);
  const right = withoutRev(after);
  return { apply: mendozaPatch(left, right), revert: mendozaPatch(right, left) };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
