import type { ContainerGroup, ContainerState } from '@azure/arm-containerinstance';
import type { StepStatus } from '../port';
import { CONTAINERS } from './group-body';

/**
 * The one status shape from a container group GET. Success comes from exit codes, never from
 * provisioningState (which stays Succeeded after containers exit): the step's exit code, and for a zero
 * exit, the stage-out sidecar's (outputs uploaded). A failed stage-in fails the step before it runs.
 */
const iso = (d: Date | string | undefined) => (d === undefined ? undefined : new Date(d).toISOString());

function reasonFor(exitCode: number, state: ContainerState): string {
  if (state.detailStatus) return `exit ${exitCode}: ${state.detailStatus}`;
  return exitCode === 137 ? 'killed (exit 137, likely out of memory)' : `exit ${exitCode}`;
}

export function groupStatus(group: ContainerGroup): StepStatus {
  const events = group.instanceView?.events ?? [];
  if (group.provisioningState === 'Failed') {
    const last = events.at(-1);
    return { state: 'failed', reason: `provisioning failed${last?.message ? `: ${last.message}` : ''}` };
  }
  const init = group.initContainers?.find((c) => c.name === CONTAINERS.stageIn)?.instanceView?.currentState;
  if (init?.state === 'Terminated' && init.exitCode !== 0) {
    return {
      state: 'failed',
      reason: `stage-in failed (exit ${init.exitCode ?? '?'})`,
      ...(init.finishTime ? { finishedAt: iso(init.finishTime) } : {}),
    };
  }
  const stepView = group.containers.find((c) => c.name === CONTAINERS.step)?.instanceView;
  const step = stepView?.currentState;
  const startedAt = iso(step?.startTime);
  const restarted = (stepView?.restartCount ?? 0) > 0 ? ' (restarted by the platform)' : '';
  if (!step?.state || step.state === 'Waiting') {
    const failedPull = events
      .concat(stepView?.events ?? [])
      .find((e) => e.name === 'Failed' || e.name === 'BackOff');
    return { state: 'pending', ...(failedPull?.message ? { reason: failedPull.message } : {}) };
  }
  if (step.state !== 'Terminated') return { state: 'running', ...(startedAt ? { startedAt } : {}) };
  const exitCode = step.exitCode ?? -1;
  const finishedAt = iso(step.finishTime);
  const times = { ...(startedAt ? { startedAt } : {}), ...(finishedAt ? { finishedAt } : {}) };
  if (exitCode !== 0)
    return { state: 'failed', exitCode, ...times, reason: reasonFor(exitCode, step) + restarted };
  const out = group.containers.find((c) => c.name === CONTAINERS.stageOut)?.instanceView?.currentState;
  if (out?.state !== 'Terminated')
    return { state: 'running', ...(startedAt ? { startedAt } : {}), reason: 'uploading outputs' };
  if (out.exitCode !== 0)
    return { state: 'failed', exitCode, ...times, reason: `stage-out failed (exit ${out.exitCode ?? '?'})` };
  return { state: 'succeeded', exitCode, ...times, ...(restarted ? { reason: restarted.trim() } : {}) };
}
