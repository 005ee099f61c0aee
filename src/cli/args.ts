/**
 * Shared command-line parsing: `key=value` flags (`--set`, `--sweep`), and `--<setting> value` for any setting of
 * src/lab/config.ts (`--heads 3` is `--set heads=3`). Problems come back as one readable line; the settings, their
 * ranges and cross-field rules are checked by resolveSettings before anything trains.
 */
import { SETTINGS } from '../lab/config';

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

/**
 * The arguments with every `--<setting> value` and `--<setting>=value` (a key of the settings table) rewritten as
 * `--set <setting>=value`, so each setting is a flag of its own. Flags the command line defines itself (`reserved`,
 * e.g. seed) and a setting flag without a value are left as they are, for the argument parser to judge.
 */
export function settingFlagsAsSets(argv: readonly string[], reserved: ReadonlySet<string> = new Set()): string[] {
  const keys = new Set<string>(SETTINGS.map((s) => s.key).filter((k) => !reserved.has(k)));
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const m = /^--([A-Za-z0-9]+)(?:=(.*))?$/.exec(arg);
    const key = m?.[1];
    if (arg === '--') {
      out.push(...argv.slice(i));
      break;
    }
    if (key === undefined || !keys.has(key)) {
      out.push(arg);
      continue;
    }
    const inline = m?.[2];
    const next = argv[i + 1];
    if (inline !== undefined) out.push('--set', `${key}=${inline}`);
    else if (next !== undefined && !next.startsWith('--')) {
      out.push('--set', `${key}=${next}`);
      i++;
    } else out.push(arg);
  }
  return out;
}
