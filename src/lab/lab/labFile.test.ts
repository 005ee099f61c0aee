import { describe, expect, it } from 'vitest';
import { LAB_FILE_MAX_BYTES, LabFileError, checkLabAgainstTask, decodeLabFile, encodeLabFile, labFileName, readLabFileInfo, type LabFileErrorCode } from './labFile';
import { FIXTURE_CONFIG, fixtureVocab, makeSnapshot, splitLabFile, withHeader, withHeaderText } from './labFileFixture';
import type { LabSnapshot } from './snapshot';

function caught(f: () => unknown): LabFileError {
  try {
    f();
  } catch (error) {
    if (error instanceof LabFileError) return error;
    throw new Error(`expected a LabFileError, got ${String(error)}`);
  }
  throw new Error('expected a LabFileError, nothing was thrown');
}

function refused(bytes: Uint8Array, code: LabFileErrorCode, options?: { maxBytes?: number }): string {
  const error = caught(() => decodeLabFile(bytes, options));
  expect(error.code, error.message).toBe(code);
  return error.message;
}

const floatsOf = (s: LabSnapshot) => {
  let n = 0;
  for (const m of [s.sft?.model, s.rm?.model, s.dpo?.model]) for (const t of m?.tensors ?? []) n += t.data.length;
  for (const r of s.runs) {
    const res = r.resume;
    if (!res) continue;
    for (const list of [res.actor, res.critic ?? [], res.actorAdam.m, res.actorAdam.v, res.criticAdam?.m ?? [], res.criticAdam?.v ?? []]) for (const t of list) n += t.data.length;
  }
  return n;
};

describe('lab file: round trip', () => {
  const snapshot = makeSnapshot();
  const bytes = encodeLabFile(snapshot);

  it('reads back exactly what was written: every field, every float bit, NaN ratios as NaN', () => {
    const back = decodeLabFile(bytes);
    expect(back).toEqual(snapshot);
    expect(back.pairs?.stats.train.zeroShare).toBeNaN();
    expect(back.runs[0]?.resume?.history[0]?.winRateSe).toBeNaN();
    const a = snapshot.runs[0]!.resume!.criticAdam!.v;
    const b = back.runs[0]!.resume!.criticAdam!.v;
    expect(b.length).toBe(a.length);
    a.forEach((t, i) => {
      const u = b[i]!.data;
      expect(u).toBeInstanceOf(Float32Array);
      expect(new Uint8Array(u.buffer, u.byteOffset, u.byteLength)).toEqual(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
    });
    // Each tensor owns its floats (a shell may transfer them to a worker).
    expect(back.sft!.model.tensors[0]!.data.buffer).not.toBe(back.sft!.model.tensors[1]!.data.buffer);
  });

  it('lays the file out as documented: signature, header length, JSON header, 4-byte aligned float32 LE data', () => {
    expect(new TextDecoder().decode(bytes.subarray(0, 8))).toBe('RTOLABF\n');
    const { header, data } = splitLabFile(bytes);
    const parsed = JSON.parse(header);
    expect(parsed.format).toBe('rto-lab/lab');
    expect(parsed.version).toBe(1);
    expect(parsed.sft.model.tensors[0]).toEqual({ name: 'wte', shape: [24, 16], data: { offset: 0, length: 384 } });
    expect(parsed.sft.model.tensors[1].data).toEqual({ offset: 384, length: 256 });
    expect(parsed.pairs.stats.train.zeroShare).toBeNull();
    expect(data.length).toBe(floatsOf(snapshot) * 4);
    expect((bytes.length - data.length) % 4).toBe(0);
    const first = new DataView(data.buffer, data.byteOffset).getFloat32(0, true);
    expect(first).toBe(snapshot.sft!.model.tensors[0]!.data[0]);
  });

  it('writes NaN and ±Infinity in run events and summaries as null (JSON has no NaN), and drops fields a snapshot does not have', () => {
    const s = makeSnapshot();
    s.runs[0]!.events.push({ type: 'metrics', values: { heldOutLoss: Number.NaN, ratio: Number.POSITIVE_INFINITY } });
    s.sft!.summary.heldOutLoss = Number.NaN;
    (s.rm as unknown as Record<string, unknown>).extra = 'not part of a snapshot';
    const back = decodeLabFile(encodeLabFile(s));
    expect(back.runs[0]!.events[2]).toEqual({ type: 'metrics', values: { heldOutLoss: null, ratio: null } });
    expect(back.sft!.summary.heldOutLoss).toBeNull();
    expect(back.rm).not.toHaveProperty('extra');
  });

  it('round-trips an empty lab (no stages, no runs) and a lab whose runs are all finished', () => {
    const s = makeSnapshot();
    const empty: LabSnapshot = { ...s, sft: null, pairs: null, rm: null, dpo: null, runs: [] };
    expect(decodeLabFile(encodeLabFile(empty))).toEqual(empty);
    const finished: LabSnapshot = { ...s, runs: s.runs.map((r) => ({ ...r, resume: null })) };
    expect(decodeLabFile(encodeLabFile(finished))).toEqual(finished);
  });

  it('writes tensors that are views into a larger buffer (only their own floats)', () => {
    const s = makeSnapshot();
    const wpe = s.sft!.model.tensors[1]!;
    const big = new Float32Array(wpe.data.length + 5).fill(9);
    big.set(wpe.data, 3);
    const view = big.subarray(3, 3 + wpe.data.length);
    const back = decodeLabFile(encodeLabFile({ ...s, sft: { ...s.sft!, model: { ...s.sft!.model, tensors: s.sft!.model.tensors.map((t, i) => (i === 1 ? { ...t, data: view } : t)) } } }));
    expect(back.sft!.model.tensors[1]!.data).toEqual(wpe.data);
    expect(back).toEqual(s);
  });

  it('reads a file held in a larger buffer at an odd offset', () => {
    const padded = new Uint8Array(bytes.length + 3);
    padded.set(bytes, 1);
    expect(decodeLabFile(padded.subarray(1, 1 + bytes.length))).toEqual(snapshot);
  });

  it('summarises a file from its header alone', () => {
    expect(readLabFileInfo(bytes)).toEqual({
      id: 'lab-7f3a',
      savedAt: '2026-12-02T09:30:00.000Z',
      task: 'sentiment',
      preset: 'small',
      appVersion: '0.1.0',
      stages: { sft: true, pairs: true, rm: true, dpo: true },
      runs: 2,
      bytes: bytes.length,
    });
    const partial = encodeLabFile({ ...snapshot, rm: null, dpo: null, runs: [] });
    expect(readLabFileInfo(partial).stages).toEqual({ sft: true, pairs: true, rm: false, dpo: false });
    // The summary does not read the floats: a file with its data cut off still lists, decoding it fails.
    const cut = bytes.subarray(0, bytes.length - 400);
    expect(readLabFileInfo(cut).runs).toBe(2);
    expect(caught(() => readLabFileInfo(new TextEncoder().encode('hello'))).code).toBe('signature');
  });

  it('names a download after task, preset and day', () => {
    expect(labFileName(snapshot)).toBe('rto-lab-sentiment-small-2026-12-02.rtolab');
    expect(labFileName({ task: 'oracle', preset: 'tiny', savedAt: '2027-01-31T23:59:59.999Z' })).toBe('rto-lab-oracle-tiny-2027-01-31.rtolab');
  });
});

describe('lab file: refusals, one per code', () => {
  const snapshot = makeSnapshot();
  const bytes = encodeLabFile(snapshot);

  it('signature: another file, or a single-model checkpoint, or another format in the header', () => {
    const zip = new Uint8Array([0x50, 0x4b, 0x03, 0x04, 0x14, 0x00, 0x00, 0x00, 0x08, 0x00]);
    expect(refused(zip, 'signature')).toBe('not an RTO Lab lab file (it starts with "PK\\x03\\x04\\x14\\x00\\x00\\x00"…, not "RTOLABF")');
    expect(refused(new TextEncoder().encode('{"format":"rto-lab/lab"}'), 'signature')).toBe('not an RTO Lab lab file (it starts with "{\\x22format"…, not "RTOLABF")');
    const checkpoint = bytes.slice();
    checkpoint.set(new TextEncoder().encode('RTOLAB1\n'), 0);
    expect(refused(checkpoint, 'signature')).toBe('this is a single-model checkpoint (it starts with "RTOLAB1"), not an RTO Lab lab file');
    expect(
      refused(
        withHeader(bytes, (h) => {
          h.format = 'rto-lab/checkpoint';
        }),
        'signature',
      ),
    ).toBe('not an RTO Lab lab file: its header says its format is "rto-lab/checkpoint", not "rto-lab/lab"');
  });

  it('version: a newer file, or a version no RTO Lab wrote', () => {
    const newer = withHeader(bytes, (h) => {
      h.version = 2;
      h.somethingNew = { a: 1 };
    });
    expect(refused(newer, 'version')).toBe('this lab file was made by a newer RTO Lab (version 2); this one reads version 1');
    expect(readLabFileInfo.bind(null, newer)).toThrow('made by a newer RTO Lab (version 2)');
    const odd = withHeader(bytes, (h) => {
      h.version = '1';
    });
    expect(refused(odd, 'version')).toBe('this lab file says it is version "1", which no RTO Lab writes; this one reads version 1');
  });

  it('schema: a missing field, an extra field, a wrong type, each named by its path', () => {
    const missing = withHeader(bytes, (h) => {
      delete h.sft.key;
    });
    expect(refused(missing, 'schema')).toBe("this lab file's contents are not what RTO Lab writes: missing field sft.key");
    const extra = withHeader(bytes, (h) => {
      h.runs[0].resume.rng.seed = 4;
    });
    expect(refused(extra, 'schema')).toBe("this lab file's contents are not what RTO Lab writes: unexpected field runs[0].resume.rng.seed");
    const extraTop = withHeader(bytes, (h) => {
      h.notes = 'hi';
    });
    expect(refused(extraTop, 'schema')).toMatch(/unexpected field notes$/);
    const wrongType = withHeader(bytes, (h) => {
      h.pairs.train[3].goldChosen = 'high';
    });
    expect(refused(wrongType, 'schema')).toBe("this lab file's contents are not what RTO Lab writes: pairs.train[3].goldChosen: Invalid input: expected number, received string");
    const nullRatio = withHeader(bytes, (h) => {
      h.rm.norm.std = null;
    });
    expect(refused(nullRatio, 'schema')).toMatch(/rm\.norm\.std: Invalid input: expected number, received null/);
    expect(refused(withHeaderText(bytes, '{"format": "rto-lab/lab", '), 'schema')).toMatch(/^the file's header is not valid JSON \(.+\): the file is damaged$/);
    const badUtf8 = bytes.slice();
    badUtf8[13] = 0xff;
    expect(refused(badUtf8, 'schema')).toBe("the file's header is not UTF-8 text: the file is damaged");
    const twice = withHeader(bytes, (h) => {
      h.runs[1].runId = 'ppo-1';
    });
    expect(refused(twice, 'schema')).toBe('runs[1] has the run id "ppo-1" of an earlier run; each run\'s id is its own');
    const misplaced = withHeader(bytes, (h) => {
      h.sft.model.tensors[1].data.offset = 0;
    });
    expect(refused(misplaced, 'schema')).toBe('tensor wpe of the SFT model starts at float 0 of the data section; the layout puts it at 384');
  });

  it("shape: tensors that do not fit the model's config, named by model and tensor", () => {
    const wrongShape = withHeader(bytes, (h) => {
      h.dpo.model.tensors[4].shape = [16, 47];
    });
    expect(refused(wrongShape, 'shape')).toBe("the DPO model's tensor 4 is h0.attn.wqkv [16×47]; its config needs h0.attn.wqkv [16×48]");
    const renamed = withHeader(bytes, (h) => {
      h.runs[0].resume.actorAdam.v[2].name = 'h0.ln1.gain';
    });
    expect(refused(renamed, 'shape')).toBe("run \"ppo-1\"'s actor optimiser (second moment)'s tensor 2 is h0.ln1.gain [16]; the actor has h0.ln1.g [16]");
    const dropped = withHeader(bytes, (h) => {
      h.rm.model.tensors.pop();
    });
    expect(refused(dropped, 'shape')).toBe('the reward model has 16 tensors; its config (1 layer, width 16, 2 heads, context 16, scalar head) needs 17');
    const heads = withHeader(bytes, (h) => {
      h.sft.model.config.heads = 3;
    });
    expect(refused(heads, 'shape')).toBe("the SFT model's model config: Width (16) must be divisible by Heads (3)");
    const headless = withHeader(bytes, (h) => {
      h.rm.model.config.scalarHead = false;
    });
    expect(refused(headless, 'shape')).toBe('the reward model has no scalar head (head.w); a reward model needs one');
    const otherWidth = makeSnapshot();
    otherWidth.dpo = makeSnapshot({ config: { ...FIXTURE_CONFIG, width: 8 } }).dpo;
    expect(caught(() => encodeLabFile(otherWidth)).message).toBe(
      'cannot save the lab: the DPO model (1 layer, width 8, 2 heads, context 16) does not match the SFT model (1 layer, width 16, 2 heads, context 16): every model of a lab has the same shape',
    );
    const shortRef = withHeader(bytes, (h) => {
      h.sft.model.tensors[0].data.length = 383;
    });
    expect(refused(shortRef, 'shape')).toBe('tensor wte of the SFT model has 383 floats, but its shape 24×16 needs 384');
    const orphan = withHeader(bytes, (h) => {
      h.runs[0].resume.criticAdam = null;
    });
    expect(refused(orphan, 'shape')).toBe('run "ppo-1"\'s critic has no optimiser state');
    const s = makeSnapshot();
    s.sft!.model.tensors[3]!.shape = [4, 4];
    const error = caught(() => encodeLabFile(s));
    expect([error.code, error.message]).toEqual(['shape', "cannot save the lab: the SFT model's tensor 3 is h0.ln1.b [4×4]; its config needs h0.ln1.b [16]"]);
  });

  it('vocabulary: token ids outside it, or models built for another size', () => {
    const outside = withHeader(bytes, (h) => {
      h.pairs.heldOut[1].chosen[0] = 24;
    });
    expect(refused(outside, 'vocabulary')).toBe("held-out pair 1's chosen uses token id 24, outside the lab's vocabulary of 24 words");
    const shorter = withHeader(bytes, (h) => {
      h.vocab.pop();
    });
    expect(refused(shorter, 'vocabulary')).toBe("the SFT model is for a vocabulary of 24 words, but the lab's vocabulary has 23");
  });

  it('non-finite: never written, and refused in the floats and in the header', () => {
    const s = makeSnapshot();
    s.dpo!.model.tensors[5]!.data[7] = Number.NaN;
    const write = caught(() => encodeLabFile(s));
    expect([write.code, write.message]).toEqual(['non-finite', 'cannot save the lab: tensor h0.attn.bqkv of the DPO model holds NaN at index 7; only finite weights are ever stored']);
    const t = makeSnapshot();
    t.runs[0]!.resume!.actorAdam.v[0]!.data[0] = Number.POSITIVE_INFINITY;
    expect(caught(() => encodeLabFile(t)).message).toBe("cannot save the lab: tensor wte of run \"ppo-1\"'s actor optimiser (second moment) holds Infinity at index 0; only finite weights are ever stored");
    const u = makeSnapshot();
    u.rm!.norm.mean = Number.NaN;
    expect([caught(() => encodeLabFile(u)).code, caught(() => encodeLabFile(u)).message]).toEqual(['non-finite', 'cannot save the lab: rm.norm.mean is NaN; a lab file holds finite numbers only']);
    const v = makeSnapshot();
    v.runs[0]!.resume!.history[1]!.kl = Number.NEGATIVE_INFINITY;
    expect(caught(() => encodeLabFile(v)).message).toBe('cannot save the lab: runs[0].resume.history[1].kl is -Infinity; a lab file holds finite numbers only');

    // A NaN in the data section: the last float of the file is the critic's last second moment.
    const damaged = bytes.slice();
    new DataView(damaged.buffer).setFloat32(damaged.length - 4, Number.NaN, true);
    expect(refused(damaged, 'non-finite')).toBe("tensor head.w of run \"ppo-1\"'s critic optimiser (second moment) holds NaN at index 15; a lab file holds finite numbers only");
    // JSON's only non-finite number: one too large for a double.
    const { header } = splitLabFile(bytes);
    const huge = withHeaderText(bytes, header.replace('"goldChosen":', '"goldChosen":1e999,"x":'));
    expect(refused(huge, 'non-finite')).toBe('pairs.train[0].goldChosen is Infinity (a number too large for a double); a lab file holds finite numbers only');
    const inEvent = withHeaderText(bytes, header.replace('"episodes":512', '"episodes":-1e400'));
    expect(refused(inEvent, 'non-finite')).toBe('runs[0].events[1].episodes is -Infinity (a number too large for a double); a lab file holds finite numbers only');
  });

  it('size: larger than allowed (checked before reading), or bytes after the data', () => {
    expect(LAB_FILE_MAX_BYTES).toBe(512 * 2 ** 20);
    expect(refused(bytes, 'size', { maxBytes: 1000 })).toBe(`the file is ${(bytes.length / 2 ** 20).toFixed(1)} MiB, more than the 0.0 MiB a lab file may be`);
    expect(refused(new Uint8Array(2 * 2 ** 20), 'size', { maxBytes: 2 ** 20 })).toBe('the file is 2.0 MiB, more than the 1.0 MiB a lab file may be');
    const longer = new Uint8Array(bytes.length + 8);
    longer.set(bytes);
    expect(refused(longer, 'size')).toBe(`the file has 8 bytes more than its contents need (${bytes.length}): it is damaged or not a lab file`);
  });

  it('truncated: cut anywhere, it says so', () => {
    expect(refused(new Uint8Array(0), 'truncated')).toBe('the file is empty');
    expect(refused(bytes.subarray(0, 5), 'truncated')).toBe('the file is truncated: it ends after 5 bytes, inside its signature');
    expect(refused(bytes.subarray(0, 10), 'truncated')).toBe("the file is truncated: it ends after 10 bytes, before its header's length");
    const headerLength = new DataView(bytes.buffer).getUint32(8, true);
    expect(refused(bytes.subarray(0, 100), 'truncated')).toBe(`the file is truncated: its header should be ${headerLength} bytes, but only 88 are there`);
    expect(refused(bytes.subarray(0, bytes.length - 4), 'truncated')).toBe(`the file is truncated: its weights need ${bytes.length} bytes, but it has ${bytes.length - 4}`);
  });
});

describe('a lab against its task', () => {
  const s = makeSnapshot();
  it("accepts the task's own vocabulary", () => {
    expect(() => checkLabAgainstTask(s, fixtureVocab(24))).not.toThrow();
  });
  it('names the first token id that differs, or the sizes', () => {
    const other = fixtureVocab(24);
    other[9] = 'happy';
    const e = caught(() => checkLabAgainstTask(s, other));
    expect([e.code, e.message]).toEqual(['vocabulary', 'this lab was built with another vocabulary than the sentiment task\'s: token id 9 is "w9" in the lab but "happy" in the task']);
    expect(caught(() => checkLabAgainstTask(s, fixtureVocab(30))).message).toBe("this lab was built with another vocabulary than the sentiment task's: the lab has 24 words and the task 30 (the first 24 agree)");
  });
});

describe('lab file: saves of the same pairs', () => {
  // Without models or runs, so that the pairs are what a changed vocabulary trips on.
  const pairsOnly = (): LabSnapshot => ({ ...makeSnapshot({ pairs: 40 }), sft: null, rm: null, dpo: null, runs: [] });
  const highest = (s: LabSnapshot) => Math.max(...[...s.pairs!.train, ...s.pairs!.heldOut].flatMap((p) => [...p.prompt, ...p.chosen, ...p.rejected]));

  it('write the same bytes again, and read back the same lab', () => {
    const s = makeSnapshot({ pairs: 40 });
    const first = encodeLabFile(s);
    const second = encodeLabFile(s);
    expect(second).toEqual(first);
    expect(decodeLabFile(second)).toEqual(s);
  });

  it('are checked again against a smaller vocabulary', () => {
    const s = pairsOnly();
    encodeLabFile(s);
    const words = highest(s); // the largest id used is then one past the vocabulary
    const smaller = { ...s, vocab: s.vocab.slice(0, words) };
    expect(caught(() => encodeLabFile(smaller)).message).toMatch(new RegExp(`^cannot save the lab: (training|held-out) pair \\d+'s \\w+ uses token id ${words}, outside the lab's vocabulary of ${words} words$`));
  });

  it('are new lists when they change, and new lists are checked', () => {
    const s = pairsOnly();
    encodeLabFile(s);
    const bad = { ...s.pairs!.train[0]!, rejected: [-1, 2] };
    const longer = { ...s, pairs: { ...s.pairs!, train: [...s.pairs!.train, bad] } };
    expect(caught(() => encodeLabFile(longer)).code).toBe('schema');
    const heldOut = { ...s, pairs: { ...s.pairs!, heldOut: [...s.pairs!.heldOut, { ...bad, rejected: [2], goldChosen: Number.POSITIVE_INFINITY }] } };
    expect(caught(() => encodeLabFile(heldOut)).message).toBe('cannot save the lab: pairs.heldOut[2].goldChosen is Infinity; a lab file holds finite numbers only');
  });
});
