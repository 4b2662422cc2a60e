import { AUTOSCALE_INTERVAL_MS, batchIdleNodeSeconds } from '../../../src/runs/batch-idle';
import { estimateCost, slotShare, stepCost, type Prices } from '../../../src/runs/cost';

const prices: Prices = { aciVcpuSecond: 0.01, aciGbSecond: 0.001, batchNodeHour: 2, currency: 'EUR' };
const pool = { vmSize: 'Standard_NC6s_v3', maxNodes: 4, taskSlotsPerNode: 4 };

describe('Batch slot share', () => {
  it('is the task slots over the pool slots per node; a named pool or one slot per node is the whole node', () => {
    expect(slotShare(pool)).toBe(0.25);
    expect(slotShare({ ...pool, taskSlotsPerNode: 1 })).toBe(1);
    expect(slotShare({ vmSize: 'x', maxNodes: 1 })).toBe(1);
    expect(slotShare('my-pool')).toBe(1);
    expect(slotShare(undefined)).toBe(1);
  });

  it('charges a task node price x run time x its share, not the whole node', () => {
    const hour = { backend: 'batch' as const, runMs: 3_600_000, cpu: 6, memoryGb: 56 };
    expect(stepCost(hour, prices)).toBeCloseTo(2, 9);
    expect(stepCost({ ...hour, share: 0.25 }, prices)).toBeCloseTo(0.5, 9);
    const cost = estimateCost(
      [
        { ...hour, share: 0.25 },
        { ...hour, share: 0.25 },
      ],
      prices,
    );
    expect(cost).toMatchObject({ batchNodeSeconds: 1800, batch: 1, total: 1, currency: 'EUR' });
  });
});

describe('idle pool time the run caused', () => {
  it('counts free slots of the nodes the tasks held and the scale-down tail of an autoscaled pool', () => {
    // Two tasks of 100 s at once on a 4-slot node: one node, 2 of 4 slots free for 100 s = 50 node-seconds.
    const spans = [
      { pool, startMs: 0, endMs: 100_000 },
      { pool, startMs: 0, endMs: 100_000 },
    ];
    expect(batchIdleNodeSeconds(spans)).toBeCloseTo(50 + AUTOSCALE_INTERVAL_MS / 1000, 6);
  });

  it('counts no free slots when the tasks fill their nodes, and no tail for a pool named by id', () => {
    const spans = [0, 1, 2, 3].map(() => ({ pool: 'shared-pool', startMs: 0, endMs: 60_000 }));
    expect(batchIdleNodeSeconds(spans)).toBe(0);
  });

  it('follows tasks that overlap in part, and keeps pools apart', () => {
    const spans = [
      { pool, startMs: 0, endMs: 40_000 },
      { pool, startMs: 20_000, endMs: 60_000 },
      { pool: 'other', startMs: 0, endMs: 10_000 },
    ];
    // pool: 0-20 s one task (3 free slots), 20-40 s two (2 free), 40-60 s one (3 free): (60 + 40 + 60) / 4
    // node-seconds, plus one node's tail; 'other' has one slot per node: nothing free.
    expect(batchIdleNodeSeconds(spans)).toBeCloseTo(40 + AUTOSCALE_INTERVAL_MS / 1000, 6);
  });

  it('reports the idle time and its price apart from the total', () => {
    const cost = estimateCost(
      [{ backend: 'batch', runMs: 3_600_000, cpu: 1, memoryGb: 1, share: 0.5 }],
      prices,
      1800,
    );
    expect(cost).toMatchObject({ batch: 1, total: 1, batchIdleNodeSeconds: 1800, batchIdle: 1 });
  });
});
