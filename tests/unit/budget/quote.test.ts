import type { AdmissionLimits } from '../../../src/admission/policy';
import { largest, quoteRun } from '../../../src/admission/quote';
import type { StepPlan } from '../../../src/runs/plan';

const limits: AdmissionLimits = {
  aciCreatesPer5Min: 100,
  aciCreatesPerHour: 300,
  aciCoreQuota: 10,
  aciGroupQuota: 100,
  aciDeletesPer5Min: 100,
  aciDeletesPerHour: 300,
  batchActiveJobQuota: 100,
  admissionTimeoutMs: 1,
  teardownWaitMs: 1,
};
const prices = { aciVcpuSecond: 0.001, aciGbSecond: 0.0001, batchNodeHour: 3.6, currency: 'USD' };
const step = (id: string, over: Partial<StepPlan> = {}): StepPlan => ({
  id,
  backend: 'aci',
  containerImage: 'busybox',
  command: 'true',
  cpu: 1,
  memoryGb: 2,
  timeoutMs: 600_000,
  retries: 1,
  dependsOn: [],
  ...over,
});
const steps = [
  step('tile', { expectedMs: 60_000 }),
  step('predict', {
    backend: 'batch',
    dependsOn: ['tile'],
    timeoutMs: 3_600_000,
    retries: 0,
    pool: { vmSize: 'Standard_NC6s_v3', maxNodes: 2, taskSlotsPerNode: 2 },
  }),
];
const base = { steps, concurrency: 1000, limits, prices, aciGroupCores: (s: StepPlan) => s.cpu + 0.25 };

describe('the quote', () => {
  it('counts containers per backend and takes durations given, else expectedDuration, else the timeout', () => {
    const quote = quoteRun({ ...base, images: 10, durations: { predict: 120_000 } });
    expect(quote.containers).toEqual({ aci: 10, batch: 10 });
    expect(quote.steps.map((s) => [s.id, s.durationMs, s.durationFrom])).toEqual([
      ['tile', 60_000, 'expectedDuration'],
      ['predict', 120_000, 'given'],
    ]);
    expect(quoteRun({ ...base, images: 1 }).steps[1]).toMatchObject({
      durationMs: 3_600_000,
      durationFrom: 'timeout',
    });
  });

  it('prices min at the durations and max at every attempt running to its timeout, in the prices currency', () => {
    const quote = quoteRun({ ...base, images: 10, durations: { predict: 120_000 } });
    // ACI: 10 x 60 s x (1 x 0.001 + 2 x 0.0001) = 0.72; Batch: 10 x 120 s x 1/2 node x 0.001/s = 0.6.
    expect(quote.cost.aci.min).toBeCloseTo(0.72, 6);
    expect(quote.cost.batch.min).toBeCloseTo(0.6, 6);
    expect(quote.cost.min).toBeCloseTo(1.32, 6);
    // ACI: 10 x 2 attempts x 600 s x 0.0012 = 14.4; Batch: 10 x 3600 s x 1/2 x 0.001 = 18.
    expect(quote.cost.max).toBeCloseTo(32.4, 6);
    expect(quote.cost.currency).toBe('USD');
    expect(quote.usage).toEqual({ aciVcpuSeconds: 600, aciGbSeconds: 1200, batchNodeSeconds: 600 });
  });

  it('bounds the time by the tightest quota: cores, Batch slots, ACI creates, concurrency', () => {
    const quote = quoteRun({ ...base, images: 10, durations: { predict: 120_000 } });
    // Cores: 10 x 1.25 vCPU x 60 s / 10 = 75 s; Batch: 10 x 120 s / 4 slots = 300 s.
    expect(quote.time.bounds.aciCoresMs).toBe(75_000);
    expect(quote.time.bounds.batchSlotsMs).toBe(300_000);
    expect(quote.time.bounds.concurrencyMs).toBe(180_000);
    expect(quote.time).toMatchObject({ limitedBy: 'batchSlotsMs', minimumMs: 300_000 });
    // 1,000 groups under 100 / 5 min and 300 / h: the ACI create limits dominate (3 h).
    const big = quoteRun({ ...base, steps: [step('tile', { expectedMs: 1000 })], images: 1000 });
    expect(big.time.bounds.aciCreatesMs).toBe(3 * 3_600_000);
    expect(big.time.limitedBy).toBe('aciCreatesMs');
    // One image at a time: the chain of steps, image after image.
    const serial = quoteRun({ ...base, concurrency: 1, images: 3, durations: { predict: 120_000 } });
    expect(serial.time.bounds.concurrencyMs).toBe(3 * 180_000);
  });

  it('adds the finalize step once, after the images', () => {
    const quote = quoteRun({ ...base, finalize: step('merge', { expectedMs: 30_000 }), images: 2 });
    expect(quote.containers.aci).toBe(3);
    expect(quote.time.finalizeMs).toBe(30_000);
    expect(quote.time.minimumMs).toBe(largest(quote.time.bounds) + 30_000);
  });
});
