import type { BatchServiceModels } from '@azure/batch';
import type { StepStatus } from '../port';

/** The one status shape from a Batch task (state + executionInfo). */
const iso = (d: Date | string | undefined) => (d === undefined ? undefined : new Date(d).toISOString());

export function taskStatus(task: BatchServiceModels.CloudTask): StepStatus {
  const info = task.executionInfo;
  const startedAt = iso(info?.startTime);
  const times = {
    ...(startedAt ? { startedAt } : {}),
    ...(info?.endTime ? { finishedAt: iso(info.endTime) } : {}),
  };
  switch (task.state) {
    case 'completed': {
      const exitCode = info?.exitCode;
      const withExit = exitCode !== undefined ? { exitCode } : {};
      if (info?.result === 'success') return { state: 'succeeded', ...withExit, ...times };
      const failure = info?.failureInfo;
      const reason = failure
        ? `${failure.code ?? failure.category}${failure.message ? `: ${failure.message}` : ''}`
        : exitCode === 137
          ? 'killed (exit 137, likely out of memory)'
          : `exit ${exitCode ?? '?'}`;
      return { state: 'failed', ...withExit, ...times, reason };
    }
    case 'running': {
      const requeued =
        (info?.requeueCount ?? 0) > 0 ? { reason: 'running again after its node was lost' } : {};
      return { state: 'running', ...(startedAt ? { startedAt } : {}), ...requeued };
    }
    default: {
      const requeued = (info?.requeueCount ?? 0) > 0 ? 'requeued after its node was lost' : undefined;
      const retried = (info?.retryCount ?? 0) > 0 ? `retry ${info?.retryCount ?? 0}` : undefined;
      const reason = requeued ?? retried;
      return { state: 'pending', ...(reason ? { reason } : {}) };
    }
  }
}
