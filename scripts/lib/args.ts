/** The value after `--name` in `args`, or `fallback` when the flag is absent or has no value. */
export function flagValue(args: readonly string[], name: string, fallback: string): string {
  const i = args.indexOf(name);
  return i >= 0 ? (args[i + 1] ?? fallback) : fallback;
}
