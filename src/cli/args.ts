/** Shared command-line parsing: `key=value` flags (`--set`, `--sweep`). Problems come back as one readable line. */

/** Splits "key=value"; null when the item is not of that form. */
export function keyValue(item: string): { key: string; value: string } | null {
  const m = /^([A-Za-z0-9]+)=(.+)$/.exec(item);
  return m && m[1] && m[2] ? { key: m[1], value: m[2] } : null;
}

/** `--set key=number` items → overrides (checked against the settings table later), or the first problem. */
export function parseSets(items: readonly string[]): { overrides: Record<string, number> } | { problem: string } {
  const overrides: Record<string, number> = {};
  for (const item of items) {
    const kv = keyValue(item);
    if (!kv) return { problem: `--set takes key=value, got "${item}"` };
    const value = Number(kv.value);
    if (!Number.isFinite(value)) return { problem: `--set ${kv.key} needs a number, got "${kv.value}"` };
    overrides[kv.key] = value;
  }
  return { overrides };
}
