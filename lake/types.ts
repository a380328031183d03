// The lake's document types, in a module of their own: the store, transactions, queries and listeners all speak of
// documents, and none of them should have to import another to name one.

/** A stored document: any JSON object with a string `_id`. */
export interface SanityDoc {
  _id: string;
  _type?: string;
  _rev?: string;
  _createdAt?: string;
  _updatedAt?: string;
  [field: string]: unknown;
}

/** One document's change in a transaction; `null` means absent (before a create, after a delete). */
export interface DocChange {
  id: string;
  before: SanityDoc | null;
  after: SanityDoc | null;
}

/** Whether a value is a JSON object with a string `_id`. */
export function isDoc(value: unknown): value is SanityDoc {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    typeof (value as { _id?: unknown })._id === 'string'
  );
}
