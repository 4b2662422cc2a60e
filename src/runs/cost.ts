/**
 * The cost estimate: ACI vCPU-seconds and GB-seconds, Batch tasks' slot share of their nodes' time, at the
 * configured prices (docs/orchestration.md, "Cost and budget"). One formula for the manifest, the budget's
 * reservations and the quote (`POST /api/plans`).
 */
import type { BackendKind, PoolSpec } from '../compute/port';
import type { StepResult } from './records';

export interface Prices {
  readonly aciVcpuSecond: number;
  readonly aciGbSecond: number;
  readonly batchNodeHour: number;
  /** ISO 4217 code of every price (FLOTILLA_PRICE_CURRENCY); costs and budgets are in it. */
  readonly currency: string;
}

export interface CostEstimate {
  readonly aciVcpuSeconds: number;
  readonly aciGbSeconds: number;
  /**
   * Batch node time charged to the run's tasks: each task's run time x its slot share of the node
   * (slots it uses / the pool's task slots per node; 1 for a pool named by id, whose slots are unknown).
   */
  readonly batchNodeSeconds: number;
  readonly aci: number;
  readonly batch: number;
  /** aci + batch, in `currency`. Idle pool time is not in it: see `batchIdle`. */
  readonly total: number;
  readonly currency: string;
  /**
   * Node time of the run's pools that no task of the run used but the run caused: free slots of nodes its
   * tasks held, and the scale-down tail of the pools flotilla autoscales (an estimate; not in `total`).
   */
  readonly batchIdleNodeSeconds?: number;
  readonly batchIdle?: number;
}

/** Slots a flotilla Batch task asks for (src/compute/batch/task-body.ts sets `requiredSlots: 1`). */
export const TASK_SLOTS = 1;

/** A Batch task's share of its node: its slots over the pool's task slots per node (1: the whole node). */
export function slotShare(pool: string | PoolSpec | undefined): number {
  const perNode = typeof pool === 'object' ? (pool.taskSlotsPerNode ?? 1) : 1;
  return Math.min(1, TASK_SLOTS / Math.max(1, perNode));
}

export interface CostedStep {
  readonly backend: BackendKind;
  readonly runMs: number;
  readonly cpu: number;
  readonly memoryGb: number;
  /** Batch only: the task's slot share of its node (default 1). */
  readonly share?: number;
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** The cost of one step (or attempt) that ran `runMs`, unrounded. */
export function stepCost(step: CostedStep, prices: Prices): number {
  const seconds = Math.max(0, step.runMs) / 1000;
  if (step.backend === 'aci')
    return seconds * (step.cpu * prices.aciVcpuSecond + step.memoryGb * prices.aciGbSecond);
  return ((seconds * (step.share ?? 1)) / 3600) * prices.batchNodeHour;
}

export function estimateCost(
  steps: readonly (Pick<StepResult, 'backend' | 'runMs' | 'cpu' | 'memoryGb' | 'attemptHistory'> & {
    share?: number;
  })[],
  prices: Prices,
  idleNodeSeconds = 0,
): CostEstimate {
  let vcpu = 0;
  let gb = 0;
  let node = 0;
  for (const s of steps) {
    const seconds = Math.max(0, s.runMs) / 1000;
    if (s.backend === 'aci') {
      vcpu += seconds * s.cpu;
      // Each attempt at its own memory (a retry after an out-of-memory kill has more).
      gb += s.attemptHistory?.length
        ? s.attemptHistory.reduce((sum, a) => sum + (Math.max(0, a.runMs) / 1000) * a.memoryGb, 0)
        : seconds * s.memoryGb;
    } else {
      node += seconds * (s.share ?? 1);
    }
  }
  const aci = vcpu * prices.aciVcpuSecond + gb * prices.aciGbSecond;
  const batch = (node / 3600) * prices.batchNodeHour;
  return {
    aciVcpuSeconds: round(vcpu, 3),
    aciGbSeconds: round(gb, 3),
    batchNodeSeconds: round(node, 3),
    aci: round(aci, 6),
    batch: round(batch, 6),
    total: round(aci + batch, 6),
    currency: prices.currency,
    ...(node > 0 || idleNodeSeconds > 0
      ? {
          batchIdleNodeSeconds: round(idleNodeSeconds, 3),
          batchIdle: round((idleNodeSeconds / 3600) * prices.batchNodeHour, 6),
        }
      : {}),
  };
}
