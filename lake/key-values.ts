/** Per-user preferences (`/users/me/keyvalue`), kept in memory: losing them on restart loses nothing but UI state. */
export class KeyValueStore {
  private readonly values = new Map<string, Map<string, unknown>>();

  get(user: string, keys: readonly string[]): { key: string; value: unknown }[] {
    const own = this.values.get(user);
    return keys.map((key) => ({ key, value: own?.get(key) ?? null }));
  }

  set(user: string, pairs: readonly { key: string; value: unknown }[]): { key: string; value: unknown }[] {
    const own = this.values.get(user) ?? new Map<string, unknown>();
    this.values.set(user, own);
    for (const { key, value } of pairs) own.set(key, value);
    return pairs.map(({ key, value }) => ({ key, value }));
  }
}
