import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { useNodeBackend } from '../../cli/nodeBackend';
import { compareOpResults, OP_CASES, runOpSuite, type OpCheckResult } from './opSuite';

describe('cross-backend op check: cpu versus wasm', () => {
  it('agrees within 1e-5 on every op and every gradient, and leaks no tensors', async () => {
    expect(await useNodeBackend('wasm')).toBe('wasm');
    const before = tf.memory().numTensors;
    const onWasm = await runOpSuite();
    expect(tf.memory().numTensors).toBe(before);
    expect(await useNodeBackend('cpu')).toBe('cpu');
    const onCpu = await runOpSuite();

    expect(onWasm.map((r) => r.name)).toEqual(OP_CASES.map((c) => c.name));
    expect(onWasm.map((r) => r.name)).toEqual(
      expect.arrayContaining(['matmul', 'softmax', 'layer norm', 'masked attention', 'log-softmax cross-entropy', 'embedding lookup']),
    );
    for (const r of onWasm) {
      expect(r.output.length, r.name).toBeGreaterThan(0);
      expect(r.grads.length, r.name).toBeGreaterThan(0);
      // A gradient of all zeros would make the comparison vacuous.
      expect(r.grads.some((g) => g.some((x) => Math.abs(x) > 1e-4)), `${r.name} has a non-trivial gradient`).toBe(true);
    }
    const comparisons = compareOpResults(onWasm, onCpu);
    // Two different kernels libraries really ran: float rounding differs somewhere, but only in the last bits.
    expect(comparisons.some((c) => c.maxAbsDiffOutput > 0 || c.maxAbsDiffGrad > 0)).toBe(true);
    for (const c of comparisons) {
      expect(c.maxAbsDiffOutput, `${c.name} forward`).toBeLessThan(1e-5);
      expect(c.maxAbsDiffGrad, `${c.name} gradient`).toBeLessThan(1e-5);
    }
  });

  it('is deterministic: the same seed gives bit-identical results on one backend', async () => {
    await useNodeBackend('wasm');
    const a = await runOpSuite('seed-a');
    const b = await runOpSuite('seed-a');
    const c = await runOpSuite('seed-b');
    expect(compareOpResults(a, b).every((x) => x.maxAbsDiffOutput === 0 && x.maxAbsDiffGrad === 0)).toBe(true);
    expect(compareOpResults(a, c).some((x) => x.maxAbsDiffOutput > 0)).toBe(true);
  });

  it('flags a wrong value, a NaN and a missing op as disagreements', () => {
    const base: OpCheckResult[] = [{ name: 'x', output: Float32Array.of(1, 2), grads: [Float32Array.of(0.5)] }];
    const off: OpCheckResult[] = [{ name: 'x', output: Float32Array.of(1, 2.001), grads: [Float32Array.of(0.5)] }];
    const nan: OpCheckResult[] = [{ name: 'x', output: Float32Array.of(1, 2), grads: [Float32Array.of(NaN)] }];
    expect(compareOpResults(base, off)[0]?.maxAbsDiffOutput).toBeCloseTo(0.001 / 2.001, 6);
    const big: OpCheckResult[] = [{ name: 'x', output: Float32Array.of(1000, 0), grads: [Float32Array.of(0.5)] }];
    const bigOff: OpCheckResult[] = [{ name: 'x', output: Float32Array.of(1000.01, 0), grads: [Float32Array.of(0.5)] }];
    expect(compareOpResults(bigOff, big)[0]?.maxAbsDiffOutput).toBeCloseTo(1e-5, 7);
    expect(compareOpResults(base, nan)[0]?.maxAbsDiffGrad).toBe(Infinity);
    expect(compareOpResults(base, [])[0]?.maxAbsDiffOutput).toBe(Infinity);
  });
});
