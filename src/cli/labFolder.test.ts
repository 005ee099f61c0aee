/**
 * Tests of the CLI's lab file on disk (labFolder.ts): a written lab reads back as the same snapshot; a write that
 * fails (the temporary file cannot be written, or the lab cannot be encoded) leaves the previous file as it was; a
 * damaged file is refused with its path in the message; a file over the size limit is refused before it is read
 * (a sparse file, so nothing of that size is written).
 */
import * as tf from '@tensorflow/tfjs-core';
import { mkdir, mkdtemp, readdir, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Lab } from '../lab/lab/lab';
import { LAB_FILE_MAX_BYTES } from '../lab/lab/labFile';
import { makeSnapshot } from '../lab/lab/labFileFixture';
import type { LabSnapshot } from '../lab/lab/snapshot';
import { readLabFile, writeLabFile } from './labFolder';
import { useNodeBackend } from './nodeBackend';

let dir: string;
let lab: Lab;
const start = { tensors: 0 };

beforeAll(async () => {
  await useNodeBackend('wasm');
  dir = await mkdtemp(join(tmpdir(), 'rto-lab-folder-'));
  start.tensors = tf.memory().numTensors;
  // Every stage, pairs, and an unfinished PPO run with its actor, critic and optimiser state.
  lab = Lab.fromSnapshot(makeSnapshot());
});

afterAll(async () => {
  lab.dispose();
  expect(tf.memory().numTensors).toBe(start.tensors);
  await rm(dir, { recursive: true, force: true });
});

const withoutDate = (s: LabSnapshot) => ({ ...s, savedAt: '' });

describe('writeLabFile / readLabFile', () => {
  it('reads back what was written, and leaves no temporary file', async () => {
    const path = join(dir, 'round.rtolab');
    const bytes = await writeLabFile(path, lab);
    expect(bytes).toBe((await readFile(path)).byteLength);
    const back = await readLabFile(path);
    expect(back).not.toBeNull();
    expect(withoutDate(back!)).toEqual(withoutDate(lab.snapshot()));
    expect(back!.savedAt).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(await readdir(dir)).toEqual(['round.rtolab']);
  });

  it('a second write replaces the first', async () => {
    const path = join(dir, 'twice.rtolab');
    await writeLabFile(path, lab);
    lab.putRun({ runId: 'later', job: { kind: 'stage' }, status: 'finished', events: [{ type: 'runFinished', runId: 'later' }], resume: null });
    await writeLabFile(path, lab);
    const back = await readLabFile(path);
    expect(back!.runs.map((r) => r.runId)).toEqual(lab.runs.map((r) => r.runId));
    expect(back!.runs.at(-1)!.runId).toBe('later');
  });

  it('returns null when there is no file', async () => {
    expect(await readLabFile(join(dir, 'none.rtolab'))).toBeNull();
  });

  it('a write whose temporary file cannot be written leaves the previous file as it was', async () => {
    const sub = join(dir, 'crash');
    await mkdir(sub);
    const path = join(sub, 'lab.rtolab');
    await writeLabFile(path, lab);
    const before = await readFile(path);
    // The temporary file's name taken by a folder: the write fails before anything reaches the lab's path.
    await mkdir(`${path}.${process.pid}.partial`);
    lab.putRun({ runId: 'lost', job: {}, status: 'running', events: [], resume: null });
    await expect(writeLabFile(path, lab)).rejects.toThrow(/EISDIR|illegal operation on a directory/);
    expect(Buffer.compare(await readFile(path), before)).toBe(0);
    expect((await readLabFile(path))!.runs.some((r) => r.runId === 'lost')).toBe(false);
    await rm(`${path}.${process.pid}.partial`, { recursive: true });
  });

  it('a lab that cannot be encoded (a NaN weight) is refused before the file is touched', async () => {
    const sub = join(dir, 'nan');
    await mkdir(sub);
    const path = join(sub, 'lab.rtolab');
    await writeLabFile(path, lab);
    const before = await readFile(path);
    const data = lab.dpo!.model.blob.tensors[2]!.data;
    const kept = data[5]!;
    data[5] = Number.NaN;
    try {
      await expect(writeLabFile(path, lab)).rejects.toThrow('cannot save the lab: tensor h0.ln1.g of the DPO model holds NaN at index 5');
    } finally {
      data[5] = kept;
    }
    expect(Buffer.compare(await readFile(path), before)).toBe(0);
    expect(await readdir(sub)).toEqual(['lab.rtolab']);
  });

  it('refuses a damaged file, naming its path and what is wrong', async () => {
    const path = join(dir, 'damaged.rtolab');
    await writeLabFile(path, lab);
    const bytes = new Uint8Array(await readFile(path));
    await writeFile(path, bytes.subarray(0, bytes.length - 10));
    await expect(readLabFile(path)).rejects.toThrow(`${path}: the file is truncated: its weights need ${bytes.length} bytes, but it has ${bytes.length - 10}`);
    const header = new Uint8Array(bytes);
    header[20] = 0xff; // inside the header's JSON: no longer UTF-8
    await writeFile(path, header);
    await expect(readLabFile(path)).rejects.toThrow(`${path}: the file's header is not UTF-8 text: the file is damaged`);
    await writeFile(path, 'not a lab at all');
    await expect(readLabFile(path)).rejects.toThrow(`${path}: not an RTO Lab lab file (it starts with "not a la"…, not "RTOLABF")`);
  });

  it('refuses a file over the size limit before reading it', async () => {
    const path = join(dir, 'huge.rtolab');
    await writeFile(path, '');
    await truncate(path, LAB_FILE_MAX_BYTES + 1); // sparse: no 512 MiB written
    await expect(readLabFile(path)).rejects.toThrow(new RegExp(`^${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is \\d+ bytes, over the 536870912 bytes \\(512 MiB\\) a lab file may hold$`));
    await rm(path);
  });
});
