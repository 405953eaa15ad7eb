/** Names of datapoints: an edited copy gets a name of its own, so the compare view never shows one name twice. */

/** `source` if no row uses it, else `source (edit N)` with the first N no row uses (N from 2, the original being 1). */
export function editedName(source: string, taken: readonly string[]): string {
  const used = new Set(taken);
  const base = source.replace(/ \(edit \d+\)$/, "");
  if (!used.has(source)) return source;
  for (let n = 2; ; n++) {
    const name = `${base} (edit ${n})`;
    if (!used.has(name)) return name;
  }
}
