import { nextMoves, sinkSteps } from '../../../src/runs/graph';
import { estimateCost } from '../../../src/runs/cost';
import { shellQuote, toShellLine } from '../../../src/pipeline/command';
import { laneCount, laneIndexes, type StepPlan } from '../../../src/runs/plan';
import { imageOutcome, type StepResult } from '../../../src/runs/records';
import { aggregateRunStatus, shouldFinalize } from '../../../src/runs/status';

const step = (id: string, dependsOn: string[] = []): StepPlan => ({
  id,
  backend: 'aci',
  containerImage: 'busybox',
  command: 'true',
  cpu: 1,
  memoryGb: 1,
  timeoutMs: 60_000,
  retries: 0,
  dependsOn,
});

describe('step graph', () => {
  const steps = [
    step('tile'),
    step('predict', ['tile']),
    step('stats', ['tile']),
    step('vectorize', ['predict']),
  ];

  it('starts roots first, then every step whose dependencies all succeeded, in parallel', () => {
    const waiting = { tile: 'waiting', predict: 'waiting', stats: 'waiting', vectorize: 'waiting' } as const;
    expect(nextMoves(steps, waiting)).toEqual({ start: ['tile'], skip: [] });
    expect(nextMoves(steps, { ...waiting, tile: 'succeeded' })).toEqual({
      start: ['predict', 'stats'],
      skip: [],
    });
  });

  it('skips everything downstream of a failure, transitively, and starts unaffected branches', () => {
    const states = { tile: 'succeeded', predict: 'failed', stats: 'waiting', vectorize: 'waiting' } as const;
    expect(nextMoves(steps, states)).toEqual({ start: ['stats'], skip: ['vectorize'] });
    const all = nextMoves(steps, {
      tile: 'failed',
      predict: 'waiting',
      stats: 'waiting',
      vectorize: 'waiting',
    });
    expect(all.skip.sort()).toEqual(['predict', 'stats', 'vectorize']);
    expect(all.start).toEqual([]);
  });

  it('names the sink steps (what finalize reads)', () => {
    expect(sinkSteps(steps).sort()).toEqual(['stats', 'vectorize']);
  });
});

describe('lanes', () => {
  it('stripe images over min(concurrency, images) lanes, each image exactly once', () => {
    expect(laneCount(10, 3)).toBe(3);
    expect(laneCount(4, 0)).toBe(1);
    const lanes = laneCount(4, 23);
    const seen: number[] = [];
    for (let lane = 0; lane < lanes; lane++) {
      let next = lane;
      for (;;) {
        const batch = laneIndexes(next, lanes, 23, 2);
        if (batch.length === 0) break;
        seen.push(...batch);
        next = (batch[batch.length - 1] ?? 0) + lanes;
      }
    }
    expect(seen.sort((a, b) => a - b)).toEqual(Array.from({ length: 23 }, (_, i) => i));
  });
});

describe('commands', () => {
  it('quote exec-form arguments for /bin/sh -c', () => {
    expect(toShellLine(['/bin/sh', '-c', 'echo hi && ls'])).toBe('echo hi && ls');
    expect(toShellLine(['node', '/app/x.js', 'a b', "it's"])).toBe(`node /app/x.js 'a b' 'it'\\''s'`);
    expect(shellQuote('$(rm -rf /)')).toBe(`'$(rm -rf /)'`);
  });
});

describe('run status', () => {
  const counts = (succeeded: number, failed: number, cancelled = 0) => ({
    total: succeeded + failed + cancelled,
    succeeded,
    failed,
    cancelled,
  });

  it('aggregates image outcomes against toleratedFailurePercent', () => {
    expect(aggregateRunStatus(counts(3, 0), 0, false)).toBe('succeeded');
    expect(aggregateRunStatus(counts(2, 1), 0, false)).toBe('failed');
    expect(aggregateRunStatus(counts(2, 1), 34, false)).toBe('partially_succeeded');
    expect(aggregateRunStatus(counts(2, 1), 33, false)).toBe('failed');
    expect(aggregateRunStatus(counts(0, 3), 100, false)).toBe('failed');
    expect(aggregateRunStatus(counts(2, 0, 1), 0, false)).toBe('cancelled');
    expect(aggregateRunStatus(counts(3, 0), 0, true)).toBe('cancelled');
    expect(aggregateRunStatus(counts(3, 0), 0, false, 'failed')).toBe('failed');
  });

  it('runs finalize only over tolerated results', () => {
    expect(shouldFinalize(counts(2, 1), 50)).toBe(true);
    expect(shouldFinalize(counts(2, 1), 0)).toBe(false);
  });

  it('makes an image fail on its first failed step, and cancelled when steps were cancelled', () => {
    const r = (s: string, status: StepResult['status']) => ({ step: s, status }) as StepResult;
    expect(imageOutcome([r('a', 'succeeded'), r('b', 'failed'), r('c', 'skipped')])).toEqual({
      status: 'failed',
      failedStep: 'b',
    });
    expect(imageOutcome([r('a', 'succeeded'), r('b', 'cancelled')])).toEqual({ status: 'cancelled' });
    expect(imageOutcome([r('a', 'succeeded')])).toEqual({ status: 'succeeded' });
  });
});

describe('cost estimate', () => {
  it('prices ACI vCPU-seconds and GB-seconds and Batch node time', () => {
    const cost = estimateCost(
      [
        { backend: 'aci', runMs: 10_000, cpu: 2, memoryGb: 4 },
        { backend: 'aci', runMs: 5_000, cpu: 1, memoryGb: 1.5 },
        { backend: 'batch', runMs: 1_800_000, cpu: 6, memoryGb: 56 },
      ],
      { aciVcpuSecond: 0.01, aciGbSecond: 0.001, batchNodeHour: 2, currency: 'USD' },
    );
    expect(cost.aciVcpuSeconds).toBe(25);
    expect(cost.aciGbSeconds).toBe(47.5);
    expect(cost.batchNodeSeconds).toBe(1800);
    expect(cost.aci).toBeCloseTo(0.25 + 0.0475, 6);
    expect(cost.batch).toBeCloseTo(1, 6);
    expect(cost.total).toBeCloseTo(1.2975, 6);
  });
});
