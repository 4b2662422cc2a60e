/**
 * Idle Batch pool time a run caused (docs/orchestration.md, "Cost and budget"): node time of the pools it
 * used that none of its tasks filled. Tasks are charged only their slot share (src/runs/cost.ts); this is
 * the rest, reported apart:
 *
 * - free slots: while the run's tasks run, the pool holds ceil(tasks / slotsPerNode) nodes (at most
 *   maxNodes); the slots they leave empty, in node-seconds;
 * - scale-down tail: a pool flotilla creates (a `pool:` spec) scales to zero on its autoscale evaluation,
 *   every 5 minutes (src/compute/batch/task-body.ts), so after the run's last task its peak nodes may stay
 *   up to one interval. Counted in full (an upper bound). A pool named by id is scaled by its owner: no tail.
 */
import type { PoolSpec } from '../compute/port';

/** The autoscale evaluation interval of flotilla's pools (`autoScaleEvaluationInterval: 'PT5M'`). */
export const AUTOSCALE_INTERVAL_MS = 5 * 60_000;

export interface TaskSpan {
  readonly pool: string | PoolSpec | undefined;
  readonly startMs: number;
  readonly endMs: number;
}

const poolKey = (pool: TaskSpan['pool']): string =>
  typeof pool === 'object' ? JSON.stringify(pool) : `id:${pool ?? ''}`;

function idleOfPool(spans: readonly TaskSpan[]): number {
  const pool = spans[0]?.pool;
  const slots = Math.max(1, typeof pool === 'object' ? (pool.taskSlotsPerNode ?? 1) : 1);
  const maxNodes = typeof pool === 'object' ? pool.maxNodes : Number.POSITIVE_INFINITY;
  const events = spans
    .filter((s) => s.endMs > s.startMs)
    .flatMap((s) => [
      { at: s.startMs, delta: 1 },
      { at: s.endMs, delta: -1 },
    ])
    .sort((a, b) => a.at - b.at || a.delta - b.delta);
  let tasks = 0;
  let peak = 0;
  let freeSlotMs = 0;
  let last = events[0]?.at ?? 0;
  for (const e of events) {
    const nodes = Math.min(maxNodes, Math.ceil(tasks / slots));
    freeSlotMs += Math.max(0, nodes * slots - tasks) * (e.at - last);
    tasks += e.delta;
    peak = Math.max(peak, Math.min(maxNodes, Math.ceil(tasks / slots)));
    last = e.at;
  }
  const tail = typeof pool === 'object' ? peak * AUTOSCALE_INTERVAL_MS : 0;
  return freeSlotMs / slots + tail;
}

/** Idle node-seconds the run's Batch tasks caused, over all the pools they ran on. */
export function batchIdleNodeSeconds(spans: readonly TaskSpan[]): number {
  const byPool = new Map<string, TaskSpan[]>();
  for (const s of spans) {
    const key = poolKey(s.pool);
    byPool.set(key, [...(byPool.get(key) ?? []), s]);
  }
  let ms = 0;
  for (const group of byPool.values()) ms += idleOfPool(group);
  return ms / 1000;
}
