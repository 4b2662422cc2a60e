/** The cost estimate: ACI vCPU-seconds and GB-seconds, Batch node time, at the configured prices. */
import type { StepResult } from './records';

export interface Prices {
  readonly aciVcpuSecond: number;
  readonly aciGbSecond: number;
  readonly batchNodeHour: number;
}

export interface CostEstimate {
  readonly aciVcpuSeconds: number;
  readonly aciGbSeconds: number;
  /** Task run time on Batch nodes, counted as whole-node time (an upper bound when nodes run several tasks). */
  readonly batchNodeSeconds: number;
  readonly aci: number;
  readonly batch: number;
  /** In the currency of the configured prices. */
  readonly total: number;
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

export function estimateCost(
  steps: readonly Pick<StepResult, 'backend' | 'runMs' | 'cpu' | 'memoryGb' | 'attemptHistory'>[],
  prices: Prices,
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
      node += seconds;
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
  };
}
