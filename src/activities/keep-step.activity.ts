/**
 * keepStep (keepOnFailure): leave a failed attempt's resource for debugging: move its expiry tag and record
 * the keep time in `flotilla-state/kept/...` (so the sweeper spares it after its run ended, until that time).
 */
import { STATE_CONTAINER, statePaths } from '../runs/paths';
import type { StepRef } from '../compute/port';
import type { KeepStepInput } from './contracts';
import type { ActivityDeps, ActivityFactory } from './deps';

export function keptName(ref: StepRef): string {
  return statePaths.kept(`${ref.runId}/${ref.imageKey}/${ref.step}/${ref.attempt}`);
}

export async function keepAttempt(deps: ActivityDeps, input: KeepStepInput): Promise<null> {
  await deps.compute(input.kind).keep(input.ref, input.keepUntil);
  const record = { kind: input.kind, ref: input.ref, keepUntil: input.keepUntil };
  await deps.store.putText(STATE_CONTAINER, keptName(input.ref), JSON.stringify(record), 'application/json');
  deps.log(
    `step kept for debugging runId=${input.ref.runId} image=${input.ref.imageKey} step=${input.ref.step} until=${input.keepUntil}`,
  );
  return null;
}

export const keepStep: ActivityFactory<'keepStep'> = (deps) => (input) => keepAttempt(deps, input);
