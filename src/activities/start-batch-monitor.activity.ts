/** startBatchMonitor: start the run's Batch monitor orchestration once (a second start is a no-op). */
import { instanceIds } from '../runs/ids';
import type { ActivityFactory } from './deps';

export const startBatchMonitor: ActivityFactory<'startBatchMonitor'> = () => async (input, context) => {
  const client = context.client();
  const instanceId = instanceIds.batchMonitor(input.runId);
  const existing = await client.getStatus(instanceId).catch(() => undefined);
  if (existing?.runtimeStatus === undefined || existing.runtimeStatus === null) {
    await client.startNew('batchMonitorOrchestrator', { instanceId, input: { runId: input.runId } });
  }
  return null;
};
