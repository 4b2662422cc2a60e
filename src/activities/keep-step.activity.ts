/**
 * keepStep (keepOnFailure): leave a failed attempt's resource for debugging and record until when, in
 * `flotilla-state/kept/...`; the sweeper deletes it once that time has passed.
 */
import { STATE_CONTAINER, statePaths } from '../runs/paths';
import type { ActivityFactory } from './deps';

export function keptName(ref: { runId: string; image: string; step: string; attempt: number }): string {
  return statePaths.kept(`${ref.runId}/${ref.image}/${ref.step}/${ref.attempt}`);
}

export const keepStep: ActivityFactory<'keepStep'> = (deps) => async (input) => {
  const record = { kind: input.kind, ref: input.ref, keepUntil: input.keepUntil };
  await deps.store.putText(STATE_CONTAINER, keptName(input.ref), JSON.stringify(record), 'application/json');
  deps.log(
    `step kept for debugging runId=${input.ref.runId} image=${input.ref.image} step=${input.ref.step} until=${input.keepUntil}`,
  );
  return null;
};
