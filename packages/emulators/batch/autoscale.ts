import { parseDuration } from './command-line';
import { BatchHttpError } from './errors';
import {
  DEALLOCATION_OPTIONS,
  evaluateFormula,
  FormulaError,
  parseFormula,
  printValue,
  type Statement,
  type Value,
} from './autoscale-formula';
import type { PoolRecord } from './model';
import type { BatchState } from './state';

/**
 * Autoscale on the emulator clock (docs/emulators-batch.md, "Autoscale formulas"): task-count samples every
 * 30 s, the formula evaluated when autoscale is enabled (pool add or `enableautoscale`) and then every
 * `autoScaleEvaluationInterval` (default 15 minutes); the pool resizes at once to the evaluated targets.
 */
export const SAMPLE_PERIOD_MS = 30_000;
const MAX_SAMPLES = 2 * 24 * 60 * 7;
const DEFAULT_INTERVAL = 'PT15M';

/** Task-count sample variables the emulator keeps. */
type SampleVariable = (typeof SAMPLE_VARIABLES)[number];
export const SAMPLE_VARIABLES = [
  '$PendingTasks',
  '$ActiveTasks',
  '$RunningTasks',
  '$SucceededTasks',
  '$FailedTasks',
  '$PreemptedNodeCount',
] as const;
/** Resource metrics Batch samples from nodes; the emulator has no nodes to measure. */
const UNMODELED = [
  '$CPUPercent',
  '$WallClockSeconds',
  '$MemoryBytes',
  '$DiskBytes',
  '$DiskReadBytes',
  '$DiskWriteBytes',
  '$DiskReadOps',
  '$DiskWriteOps',
  '$NetworkInBytes',
  '$NetworkOutBytes',
  '$SampleNodeCount',
  '$UsableNodeCount',
];

export interface AutoScaleRun {
  timestamp: string;
  results?: string;
  error?: { code: string; message: string; values: { name: string; value: string }[] };
}

export interface AutoScaleState {
  samples: Map<string, { at: number; value: number }[]>;
  run?: AutoScaleRun;
  cancel?: () => void;
}

const scaleStates = new WeakMap<PoolRecord, AutoScaleState>();

export function autoScaleState(pool: PoolRecord): AutoScaleState {
  let s = scaleStates.get(pool);
  if (!s) {
    s = { samples: new Map() };
    scaleStates.set(pool, s);
  }
  return s;
}

/** 400 `InvalidAutoScalingFormula` for a formula that does not parse (checked on add, enable and evaluate). */
export function parseOrRefuse(formula: string): Statement[] {
  try {
    return parseFormula(formula);
  } catch (error) {
    if (error instanceof FormulaError)
      throw new BatchHttpError(
        400,
        'InvalidAutoScalingFormula',
        `The autoscale formula is invalid: ${error.message}.`,
        [{ key: 'Message', value: error.message }],
      );
    throw error;
  }
}

function counts(state: BatchState, pool: PoolRecord): Record<SampleVariable, number> {
  let active = 0;
  let running = 0;
  let succeeded = 0;
  let failed = 0;
  for (const job of state.jobs.values()) {
    if (job.poolId !== pool.id) continue;
    active += job.counts.active;
    running += job.counts.running;
    succeeded += job.counts.succeeded;
    failed += job.counts.failed;
  }
  return {
    $PendingTasks: active + running,
    $ActiveTasks: active,
    $RunningTasks: running,
    $SucceededTasks: succeeded,
    $FailedTasks: failed,
    $PreemptedNodeCount: 0,
  };
}

function takeSample(state: BatchState, pool: PoolRecord): void {
  const now = state.now();
  const s = autoScaleState(pool);
  for (const [name, value] of Object.entries(counts(state, pool))) {
    const list = s.samples.get(name) ?? [];
    if (list.at(-1)?.at === now) list.pop();
    list.push({ at: now, value });
    if (list.length > MAX_SAMPLES) list.splice(0, list.length - MAX_SAMPLES);
    s.samples.set(name, list);
  }
}

/** Evaluates `formula` against the pool now; never applies it. */
export function evaluatePoolFormula(state: BatchState, pool: PoolRecord, formula: string): AutoScaleRun {
  const statements = parseOrRefuse(formula);
  takeSample(state, pool);
  const s = autoScaleState(pool);
  const timestamp = new Date(state.now()).toISOString();
  const lowerSamples = new Map([...s.samples].map(([k, v]) => [k.toLowerCase(), v]));
  try {
    const vars = evaluateFormula(statements, {
      now: state.now(),
      samplePeriodMs: SAMPLE_PERIOD_MS,
      samples(name) {
        const hit = UNMODELED.find((u) => u.toLowerCase() === name.toLowerCase());
        if (hit)
          throw new FormulaError(
            'evaluation',
            `${hit} is not emulated (the emulator has no compute nodes to measure)`,
          );
        return lowerSamples.get(name.toLowerCase());
      },
      scalars: {
        $CurrentDedicatedNodes: pool.targetDedicatedNodes,
        $CurrentLowPriorityNodes: pool.targetLowPriorityNodes,
        $TargetDedicatedNodes: pool.targetDedicatedNodes,
        $TargetLowPriorityNodes: pool.targetLowPriorityNodes,
        $NodeDeallocationOption: { kind: 'str', v: 'requeue' },
        $TaskSlotsPerNode: pool.taskSlotsPerNode,
      },
    });
    return { timestamp, results: results(vars, assignedNames(statements)) };
  } catch (error) {
    if (!(error instanceof FormulaError)) throw error;
    return {
      timestamp,
      error: {
        code: 'AutoScalingFormulaEvaluationError',
        message: 'An error occurred while evaluating the autoscale formula.',
        values: [{ name: 'Message', value: error.message }],
      },
    };
  }
}

const READ_ONLY = new Set(['$CurrentDedicatedNodes', '$CurrentLowPriorityNodes', '$TaskSlotsPerNode']);

/**
 * `results` as Batch prints it: `$TargetDedicatedNodes`, `$TargetLowPriorityNodes` when the formula set it,
 * `$NodeDeallocationOption`, then the formula's own variables by name (Microsoft Learn's evaluation example).
 */
function results(vars: Map<string, Value>, assigned: ReadonlySet<string>): string {
  const head = ['$TargetDedicatedNodes'];
  if (assigned.has('$TargetLowPriorityNodes')) head.push('$TargetLowPriorityNodes');
  head.push('$NodeDeallocationOption');
  const rest = [...vars.keys()]
    .filter((k) => !head.includes(k) && k !== '$TargetLowPriorityNodes' && !READ_ONLY.has(k))
    .sort((a, b) => a.toLowerCase().localeCompare(b.toLowerCase()));
  return [...head, ...rest].map((k) => `${k}=${printValue(vars.get(k) as Value)}`).join(';');
}

function target(results: string, name: string): number | undefined {
  const m = new RegExp(`(?:^|;)\\${name}=([^;]*)`).exec(results);
  const n = m ? Number(m[1]) : NaN;
  return Number.isFinite(n) ? Math.max(0, Math.floor(n)) : undefined;
}

/**
 * Runs the pool's formula now, applies the targets (`floor`, at least 0), and schedules the next run after the
 * evaluation interval. `resized` is called so queued tasks can start on new nodes.
 */
export function runAutoScale(state: BatchState, pool: PoolRecord, resized: (poolId: string) => void): void {
  const s = autoScaleState(pool);
  s.cancel?.();
  if (!pool.enableAutoScale || pool.state !== 'active' || !pool.autoScaleFormula) return;
  const run = evaluatePoolFormula(state, pool, pool.autoScaleFormula);
  s.run = run;
  pool.autoScaleRunAt = state.now();
  if (run.results) {
    const bad = /\$NodeDeallocationOption=([^;]*)/.exec(run.results)?.[1];
    if (bad !== undefined && !(DEALLOCATION_OPTIONS as readonly string[]).includes(bad))
      s.run = {
        timestamp: run.timestamp,
        error: {
          code: 'AutoScalingFormulaEvaluationError',
          message: 'An error occurred while evaluating the autoscale formula.',
          values: [
            {
              name: 'Message',
              value: `$NodeDeallocationOption: expected one of ${DEALLOCATION_OPTIONS.join(', ')}`,
            },
          ],
        },
      };
    else {
      pool.targetDedicatedNodes = target(run.results, '$TargetDedicatedNodes') ?? pool.targetDedicatedNodes;
      pool.targetLowPriorityNodes =
        target(run.results, '$TargetLowPriorityNodes') ?? pool.targetLowPriorityNodes;
      resized(pool.id);
    }
  }
  const interval =
    state.settings.autoScaleIntervalMs ??
    parseDuration(pool.autoScaleEvaluationInterval ?? DEFAULT_INTERVAL) ??
    15 * 60_000;
  const cancelRun = state.timeline.after(interval, () => {
    if (state.pools.get(pool.id) === pool) runAutoScale(state, pool, resized);
  });
  const cancelSampling = startSampling(state, pool);
  s.cancel = () => {
    cancelRun();
    cancelSampling();
  };
}

/** Names the formula assigns, spelled as the system variables are when they are system variables. */
function assignedNames(statements: readonly Statement[]): Set<string> {
  const system = ['$TargetDedicatedNodes', '$TargetLowPriorityNodes', '$NodeDeallocationOption'];
  return new Set(
    statements.map((s) => system.find((n) => n.toLowerCase() === s.name.toLowerCase()) ?? s.name),
  );
}

function startSampling(state: BatchState, pool: PoolRecord): () => void {
  let cancel = () => {};
  const tick = () => {
    if (state.pools.get(pool.id) !== pool || !pool.enableAutoScale) return;
    takeSample(state, pool);
    cancel = state.timeline.after(SAMPLE_PERIOD_MS, tick);
  };
  cancel = state.timeline.after(SAMPLE_PERIOD_MS, tick);
  return () => cancel();
}

/** Stops the pool's evaluations and sampling (pool deleted or autoscale disabled). */
export function stopAutoScale(pool: PoolRecord): void {
  autoScaleState(pool).cancel?.();
}
