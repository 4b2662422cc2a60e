/** The per-image step graph as pure decisions the image orchestrator applies. */
import type { StepPlan } from './plan';

export type StepState = 'waiting' | 'running' | 'succeeded' | 'cached' | 'failed' | 'cancelled' | 'skipped';

export interface GraphMove {
  /** Steps whose dependencies all succeeded (or were cached): start them now. */
  readonly start: string[];
  /** Steps that can never run (a dependency failed, was cancelled or skipped). */
  readonly skip: string[];
}

const DEAD: ReadonlySet<StepState> = new Set(['failed', 'cancelled', 'skipped']);

/** Given the current states, what to start and what to skip. Skips propagate in one call. */
export function nextMoves(
  steps: readonly StepPlan[],
  states: Readonly<Record<string, StepState>>,
): GraphMove {
  const current: Record<string, StepState> = { ...states };
  const skip: string[] = [];
  let changed = true;
  while (changed) {
    changed = false;
    for (const step of steps) {
      if (current[step.id] !== 'waiting') continue;
      if (step.dependsOn.some((d) => DEAD.has(current[d] ?? 'waiting'))) {
        current[step.id] = 'skipped';
        skip.push(step.id);
        changed = true;
      }
    }
  }
  const start = steps
    .filter(
      (s) =>
        current[s.id] === 'waiting' &&
        s.dependsOn.every((d) => current[d] === 'succeeded' || current[d] === 'cached'),
    )
    .map((s) => s.id);
  return { start, skip };
}

/** Steps nothing depends on: their outputs are the image's results (what finalize reads). */
export function sinkSteps(steps: readonly StepPlan[]): string[] {
  const used = new Set(steps.flatMap((s) => s.dependsOn));
  return steps.filter((s) => !used.has(s.id)).map((s) => s.id);
}
