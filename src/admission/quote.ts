/**
 * The quote of a run before anything runs (`flotilla plan`, `POST /api/plans`; docs/orchestration.md,
 * "Quote"): containers per backend, the time the configured quotas impose for given step durations, and the
 * cost range. Pure: the API hands in the limits, the prices and what an ACI group really holds in cores.
 *
 * Durations: a step's given duration, else its `expectedDuration`, else its timeout. The time is a lower
 * bound (no schedule is faster): the largest of the bounds below, plus the finalize step. The cost range:
 * `min` every step runs once for its duration; `max` every attempt (retries + 1) runs to its timeout.
 */
import { slotShare, stepCost, type Prices } from '../runs/cost';
import type { StepPlan } from '../runs/plan';
import type { AdmissionLimits } from './policy';
import { rateBoundMs } from './quota-bound';

export interface QuoteInput {
  readonly steps: readonly StepPlan[];
  readonly finalize?: StepPlan;
  readonly concurrency: number;
  readonly images: number;
  /** Step id -> ms one attempt runs (overrides expectedDuration and timeout). */
  readonly durations?: Readonly<Record<string, number>>;
  readonly limits: AdmissionLimits;
  readonly prices: Prices;
  /** vCPUs an ACI group of the step holds (its cpu plus the stager sidecar). */
  readonly aciGroupCores: (step: StepPlan) => number;
}

export type DurationSource = 'given' | 'expectedDuration' | 'timeout';

export interface QuoteStep {
  readonly id: string;
  readonly backend: StepPlan['backend'];
  readonly containers: number;
  readonly durationMs: number;
  readonly durationFrom: DurationSource;
  readonly timeoutMs: number;
  readonly attempts: number;
}

export interface QuoteBounds {
  readonly aciCreatesMs: number;
  readonly aciDeletesMs: number;
  readonly aciCoresMs: number;
  readonly aciGroupsMs: number;
  /** Batch slots of the pools flotilla creates (maxNodes x task slots per node); pools named by id are not known. */
  readonly batchSlotsMs: number;
  /** Images in flight (`concurrency`) x each image's longest step chain. */
  readonly concurrencyMs: number;
}

export interface Quote {
  readonly images: number;
  readonly containers: { readonly aci: number; readonly batch: number };
  readonly steps: readonly QuoteStep[];
  readonly time: {
    readonly minimumMs: number;
    readonly limitedBy: keyof QuoteBounds;
    readonly finalizeMs: number;
    readonly bounds: QuoteBounds;
  };
  /** Resource use at the durations (what `cost.min` prices). */
  readonly usage: {
    readonly aciVcpuSeconds: number;
    readonly aciGbSeconds: number;
    readonly batchNodeSeconds: number;
  };
  readonly cost: {
    readonly min: number;
    readonly max: number;
    readonly currency: string;
    readonly aci: { readonly min: number; readonly max: number };
    readonly batch: { readonly min: number; readonly max: number };
  };
}

const round = (v: number, digits = 6) => Math.round(v * 10 ** digits) / 10 ** digits;

function durationOf(step: StepPlan, given: QuoteInput['durations']): [number, DurationSource] {
  const explicit = given?.[step.id];
  if (explicit !== undefined) return [explicit, 'given'];
  if (step.expectedMs !== undefined) return [step.expectedMs, 'expectedDuration'];
  return [step.timeoutMs, 'timeout'];
}

/** The longest chain of step durations through the per-image graph. */
function criticalPathMs(steps: readonly StepPlan[], ms: ReadonlyMap<string, number>): number {
  const done = new Map<string, number>();
  const finish = (step: StepPlan): number => {
    const known = done.get(step.id);
    if (known !== undefined) return known;
    const deps = step.dependsOn.map((d) => steps.find((s) => s.id === d));
    const start = Math.max(0, ...deps.map((d) => (d ? finish(d) : 0)));
    const end = start + (ms.get(step.id) ?? 0);
    done.set(step.id, end);
    return end;
  };
  return Math.max(0, ...steps.map(finish));
}

/** The largest of the bounds. */
export const largest = (bounds: QuoteBounds): number => Math.max(...(Object.values(bounds) as number[]));

export function quoteRun(input: QuoteInput): Quote {
  const { images, limits, prices } = input;
  const all = [...input.steps, ...(input.finalize ? [input.finalize] : [])];
  const count = (s: StepPlan) => (s === input.finalize ? 1 : images);
  const ms = new Map(input.steps.map((s) => [s.id, durationOf(s, input.durations)[0]]));
  const steps: QuoteStep[] = all.map((s) => {
    const [durationMs, durationFrom] = durationOf(s, input.durations);
    const attempts = s.retries + 1;
    return {
      id: s.id,
      backend: s.backend,
      containers: count(s),
      durationMs,
      durationFrom,
      timeoutMs: s.timeoutMs,
      attempts,
    };
  });
  const perImage = input.steps;
  const aciImageSteps = perImage.filter((s) => s.backend === 'aci');
  const groups = all.filter((s) => s.backend === 'aci').reduce((n, s) => n + count(s), 0);
  const sumOver = (list: readonly StepPlan[], f: (s: StepPlan) => number) =>
    list.reduce((total, s) => total + count(s) * f(s), 0);
  const batchSlots = perImage
    .filter((s) => s.backend === 'batch' && typeof s.pool === 'object')
    .reduce((best, s) => {
      const pool = s.pool as Exclude<StepPlan['pool'], string | undefined>;
      const slots = pool.maxNodes * (pool.taskSlotsPerNode ?? 1);
      return Math.max(best, (count(s) * (ms.get(s.id) ?? 0)) / slots);
    }, 0);
  const bounds: QuoteBounds = {
    aciCreatesMs: rateBoundMs(groups, {
      per5Min: limits.aciCreatesPer5Min,
      perHour: limits.aciCreatesPerHour,
    }),
    aciDeletesMs: rateBoundMs(groups, {
      per5Min: limits.aciDeletesPer5Min,
      perHour: limits.aciDeletesPerHour,
    }),
    aciCoresMs:
      sumOver(aciImageSteps, (s) => input.aciGroupCores(s) * (ms.get(s.id) ?? 0)) / limits.aciCoreQuota,
    aciGroupsMs: sumOver(aciImageSteps, (s) => ms.get(s.id) ?? 0) / limits.aciGroupQuota,
    batchSlotsMs: batchSlots,
    concurrencyMs: Math.ceil(images / Math.max(1, input.concurrency)) * criticalPathMs(perImage, ms),
  };
  const limitedBy = (Object.keys(bounds) as (keyof QuoteBounds)[]).reduce((a, b) =>
    bounds[b] > bounds[a] ? b : a,
  );
  const finalizeMs = input.finalize ? durationOf(input.finalize, input.durations)[0] : 0;
  const costAt = (s: StepPlan, runMs: number) =>
    stepCost({ ...s, runMs, share: slotShare(s.pool) }, prices) * count(s);
  const sumCost = (backend: StepPlan['backend'], runMs: (s: StepPlan) => number) =>
    all.filter((s) => s.backend === backend).reduce((t, s) => t + costAt(s, runMs(s)), 0);
  const minMs = (s: StepPlan) => durationOf(s, input.durations)[0];
  const maxMs = (s: StepPlan) => s.timeoutMs * (s.retries + 1);
  const aci = { min: round(sumCost('aci', minMs)), max: round(sumCost('aci', maxMs)) };
  const batch = { min: round(sumCost('batch', minMs)), max: round(sumCost('batch', maxMs)) };
  const seconds = (s: StepPlan) => (count(s) * minMs(s)) / 1000;
  const aciSteps = all.filter((s) => s.backend === 'aci');
  return {
    images,
    containers: {
      aci: groups,
      batch: all.filter((s) => s.backend === 'batch').reduce((n, s) => n + count(s), 0),
    },
    steps,
    time: {
      minimumMs: Math.ceil(largest(bounds) + finalizeMs),
      limitedBy,
      finalizeMs,
      bounds,
    },
    usage: {
      aciVcpuSeconds: round(
        aciSteps.reduce((t, s) => t + seconds(s) * s.cpu, 0),
        3,
      ),
      aciGbSeconds: round(
        aciSteps.reduce((t, s) => t + seconds(s) * s.memoryGb, 0),
        3,
      ),
      batchNodeSeconds: round(
        all.filter((s) => s.backend === 'batch').reduce((t, s) => t + seconds(s) * slotShare(s.pool), 0),
        3,
      ),
    },
    cost: {
      min: round(aci.min + batch.min),
      max: round(aci.max + batch.max),
      currency: prices.currency,
      aci,
      batch,
    },
  };
}
