/**
 * The run's Batch monitor (a child of the run, raced with its lanes): one list call per poll (completed tasks
 * since a watermark); the poll activity wakes the step instances. Polls faster while tasks complete, slower when
 * idle; continues as new every MAX_POLLS polls; ends only once the run has written its manifest; never throws.
 */
import type { OrchestrationContext } from 'durable-functions';
import { callActivity, nowMs } from './call';
import type { BatchMonitorInput } from './contracts';

export const MONITOR_MIN_MS = 5_000;
export const MONITOR_MAX_MS = 30_000;
const MAX_POLLS = 100;

export function* batchMonitorOrchestrator(context: OrchestrationContext): Generator<unknown, null, unknown> {
  const input = context.df.getInput<BatchMonitorInput>();
  let watermark = input.watermark;
  let idle = input.idleMs ?? MONITOR_MIN_MS;
  for (let poll = 0; poll < MAX_POLLS; poll++) {
    try {
      const result = yield* callActivity(context, 'pollBatchRun', { runId: input.runId, watermark });
      if (!result.runActive) return null;
      watermark = result.watermark;
      idle = result.raised > 0 ? MONITOR_MIN_MS : Math.min(MONITOR_MAX_MS, idle * 2);
    } catch {
      // Never throws (the run races it with its lanes): polling by the steps covers a missed poll.
      idle = MONITOR_MAX_MS;
    }
    yield context.df.createTimer(new Date(nowMs(context) + idle));
  }
  context.df.continueAsNew({ runId: input.runId, watermark, idleMs: idle } satisfies BatchMonitorInput);
  return null;
}
