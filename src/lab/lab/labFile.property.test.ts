import fc from 'fast-check';
import { isDeepStrictEqual } from 'node:util';
import { describe, expect, it } from 'vitest';
import { LAB_FILE_SIGNATURE, LabFileError, decodeLabFile, encodeLabFile, type LabFileErrorCode } from './labFile';
import { snapshotArb, text } from './labFileArbitraries';
import { splitLabFile, withHeaderText } from './labFileFixture';
import { LAB_FORMAT, LAB_VERSION, type LabSnapshot } from './snapshot';

// Generated lab files, by property: valid 1,500 + byte mutations 3,000 (300 snapshots × 10) + header edits 2,000
// (200 × 10) + random bytes 2,500 + random headers behind a valid signature 1,500 = 10,500.

/** Decodes, and says how it ended: a snapshot, or the code of a LabFileError (anything else fails the test). */
function outcome(bytes: Uint8Array): LabSnapshot | LabFileErrorCode {
  try {
    return decodeLabFile(bytes);
  } catch (error) {
    if (error instanceof LabFileError) {
      expect(error.message.length).toBeGreaterThan(10);
      return error.code;
    }
    throw error;
  }
}

/** A snapshot that decodeLabFile accepted must be one that encodeLabFile writes and reads back the same. */
function consistent(s: LabSnapshot): void {
  expect(isDeepStrictEqual(decodeLabFile(encodeLabFile(s)), s)).toBe(true);
}

describe('lab file properties', () => {
  it('every valid snapshot round-trips exactly (Float32Array contents bit for bit, NaN ratios as NaN)', () => {
    fc.assert(
      fc.property(snapshotArb, (s) => {
        const back = decodeLabFile(encodeLabFile(s));
        expect(isDeepStrictEqual(back, s)).toBe(true);
      }),
      { numRuns: 1500 },
    );
  });

  const mutation = fc.record({ kind: fc.constantFrom('flip', 'set', 'insert', 'delete', 'truncate', 'append'), at: fc.nat(), value: fc.nat({ max: 255 }), bit: fc.nat({ max: 7 }) });
  it('a file with bytes flipped, set, inserted, deleted, cut or added is read or refused with a LabFileError, never anything else', () => {
    // Ten mutated files of each generated snapshot.
    const mutated = fc.array(fc.array(mutation, { minLength: 1, maxLength: 3 }), { minLength: 10, maxLength: 10 });
    fc.assert(
      fc.property(snapshotArb, mutated, (s, files) => {
        const original = encodeLabFile(s);
        for (const mutations of files) {
          let bytes = original;
          for (const m of mutations) bytes = mutate(bytes, m);
          const result = outcome(bytes);
          if (typeof result !== 'string') consistent(result);
          // One cut and nothing else: the file is always "truncated"; one added byte: always "size".
          const only = mutations.length === 1 ? mutations[0]?.kind : undefined;
          if (only === 'truncate' && bytes.length < original.length) expect(result).toBe('truncated');
          if (only === 'append') expect(result).toBe('size');
        }
      }),
      { numRuns: 300 },
    );
  });

  it('a header edited as JSON (a field dropped or added, a number too large, a newer version, a foreign token id) is refused with the right code', () => {
    const edit = fc.record({ kind: fc.constantFrom('drop', 'add', 'huge', 'text', 'version', 'token'), pick: fc.nat(), version: fc.integer({ min: 2, max: 1000 }) });
    // Ten edited files of each generated snapshot.
    fc.assert(
      fc.property(snapshotArb, fc.array(edit, { minLength: 10, maxLength: 10 }), (s, edits) => {
        const bytes = encodeLabFile(s);
        const text = splitLabFile(bytes).header;
        for (const e of edits) {
          const { file, expected } = editHeader(bytes, JSON.parse(text) as Record<string, unknown>, e);
          const result = outcome(file);
          if (expected === 'any') {
            if (typeof result !== 'string') consistent(result);
          } else expect(result).toBe(expected);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('random bytes are refused with a LabFileError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        expect(typeof outcome(bytes)).toBe('string');
      }),
      { numRuns: 2500 },
    );
  });

  it('random headers behind a valid signature are refused with a LabFileError', () => {
    const signature = new TextEncoder().encode(LAB_FILE_SIGNATURE);
    const body = fc.oneof(
      fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
      fc.jsonValue({ maxDepth: 2 }).map((v) => JSON.stringify({ format: LAB_FORMAT, version: LAB_VERSION, vocab: ['a'], sft: v, runs: [v] })),
      text(40),
    );
    fc.assert(
      fc.property(body, fc.uint8Array({ maxLength: 40 }), fc.boolean(), (json, tail, honestLength) => {
        const header = new TextEncoder().encode(json);
        const bytes = new Uint8Array(12 + header.length + tail.length);
        bytes.set(signature, 0);
        new DataView(bytes.buffer).setUint32(8, honestLength ? header.length : header.length + tail.length + 1, true);
        bytes.set(header, 12);
        bytes.set(tail, 12 + header.length);
        expect(typeof outcome(bytes)).toBe('string');
      }),
      { numRuns: 1500 },
    );
  });
});

interface Mutation {
  kind: 'flip' | 'set' | 'insert' | 'delete' | 'truncate' | 'append';
  at: number;
  value: number;
  bit: number;
}
function mutate(bytes: Uint8Array, m: Mutation): Uint8Array {
  const at = m.at % (bytes.length + 1);
  const out = (length: number) => new Uint8Array(length);
  if ((m.kind === 'flip' || m.kind === 'set') && at < bytes.length) {
    const copy = bytes.slice();
    copy[at] = m.kind === 'flip' ? (copy[at] as number) ^ (1 << m.bit) : m.value;
    return copy;
  }
  if (m.kind === 'insert' || m.kind === 'append') {
    const where = m.kind === 'append' ? bytes.length : at;
    const copy = out(bytes.length + 1);
    copy.set(bytes.subarray(0, where), 0);
    copy[where] = m.value;
    copy.set(bytes.subarray(where), where + 1);
    return copy;
  }
  if (m.kind === 'delete' && at < bytes.length) {
    const copy = out(bytes.length - 1);
    copy.set(bytes.subarray(0, at), 0);
    copy.set(bytes.subarray(at + 1), at);
    return copy;
  }
  if (m.kind === 'truncate') return bytes.slice(0, at);
  return bytes;
}

interface Edit {
  kind: 'drop' | 'add' | 'huge' | 'text' | 'version' | 'token';
  pick: number;
  version: number;
}
/** The file with one edit to its header, and the code it must be refused with ('any': read or refused, either is right). */
function editHeader(bytes: Uint8Array, header: Record<string, unknown>, e: Edit): { file: Uint8Array; expected: LabFileErrorCode | 'any' } {
  const { objects, numbers } = nodes(header);
  let expected: LabFileErrorCode | 'any' = 'any';
  let text = (): string => JSON.stringify(header);
  if (e.kind === 'version') {
    header.version = e.version;
    expected = 'version';
  } else if (e.kind === 'add') {
    objects[e.pick % objects.length]!.node['zz-extra'] = 1;
    expected = 'schema';
  } else if (e.kind === 'drop') {
    const target = objects[e.pick % objects.length]!;
    const keys = Object.keys(target.node);
    const key = keys[e.pick % keys.length]!;
    delete target.node[key];
    const top = target.path.length === 0;
    expected = top && key === 'format' ? 'signature' : top && key === 'version' ? 'version' : 'schema';
  } else if (e.kind === 'huge' || e.kind === 'text') {
    const leaf = numbers[e.pick % numbers.length]!;
    leaf.parent[leaf.key] = e.kind === 'huge' ? '@@HUGE@@' : 'x';
    const isVersion = leaf.path.length === 1 && leaf.key === 'version';
    if (e.kind === 'huge') text = () => JSON.stringify(header).replace('"@@HUGE@@"', '-1e999');
    expected = isVersion ? 'version' : e.kind === 'huge' ? 'non-finite' : leaf.free ? 'any' : 'schema';
  } else if (e.kind === 'token') {
    const pairs = header.pairs as { train: { prompt: number[] }[] } | null;
    if (pairs) {
      pairs.train[0]!.prompt[0] = (header.vocab as string[]).length + (e.pick % 3);
      expected = 'vocabulary';
    }
  }
  return { file: withHeaderText(bytes, text()), expected };
}

interface NumberLeaf {
  parent: Record<string, unknown> | unknown[];
  key: string | number;
  path: (string | number)[];
  free: boolean;
}
/** The header's typed objects (not inside free JSON, not history records) and every number leaf. */
function nodes(root: Record<string, unknown>): { objects: { node: Record<string, unknown>; path: (string | number)[] }[]; numbers: (NumberLeaf & { parent: Record<string | number, unknown> })[] } {
  const objects: { node: Record<string, unknown>; path: (string | number)[] }[] = [];
  const numbers: (NumberLeaf & { parent: Record<string | number, unknown> })[] = [];
  const visit = (value: unknown, path: (string | number)[], free: boolean) => {
    if (typeof value !== 'object' || value === null) return;
    const isFree = free || (path.length === 2 && path[1] === 'summary') || (path.length === 3 && path[0] === 'runs' && (path[2] === 'job' || path[2] === 'events'));
    const isHistory = path.length === 5 && path[3] === 'history';
    if (!Array.isArray(value) && !isFree && !isHistory) objects.push({ node: value as Record<string, unknown>, path });
    for (const [k, v] of Object.entries(value)) {
      const key = Array.isArray(value) ? Number(k) : k;
      if (typeof v === 'number') numbers.push({ parent: value as Record<string | number, unknown>, key, path: [...path, key], free: isFree });
      else visit(v, [...path, key], isFree);
    }
  };
  visit(root, [], false);
  return { objects, numbers };
}
