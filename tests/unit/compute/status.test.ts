import type { ContainerGroup } from '@azure/arm-containerinstance';
import type { BatchServiceModels } from '@azure/batch';
import { groupStatus } from '../../../src/compute/aci/group-status';
import { taskStatus } from '../../../src/compute/batch/task-status';

type State = {
  state?: string;
  exitCode?: number;
  startTime?: Date;
  finishTime?: Date;
  detailStatus?: string;
};
const t0 = new Date('2026-11-22T06:00:00Z');
const t1 = new Date('2026-11-22T06:05:00Z');

function group(
  step?: State,
  stageOut?: State,
  extra: Partial<ContainerGroup> = {},
  init?: State,
): ContainerGroup {
  const c = (name: string, s?: State) => ({
    name,
    image: 'x',
    resources: { requests: { cpu: 1, memoryInGB: 1 } },
    ...(s ? { instanceView: { currentState: s } } : {}),
  });
  return {
    osType: 'Linux',
    provisioningState: 'Succeeded',
    containers: [c('step', step), c('stage-out', stageOut)],
    initContainers: [{ name: 'stage-in', ...(init ? { instanceView: { currentState: init } } : {}) }],
    ...extra,
  };
}

describe('ACI group -> step status', () => {
  it('is pending until the step runs, then running', () => {
    expect(groupStatus(group()).state).toBe('pending');
    expect(groupStatus(group({ state: 'Waiting' })).state).toBe('pending');
    expect(groupStatus(group({ state: 'Running', startTime: t0 }))).toEqual({
      state: 'running',
      startedAt: t0.toISOString(),
    });
  });

  it('succeeds only when the step exited 0 and stage-out uploaded the outputs', () => {
    const done = { state: 'Terminated', exitCode: 0, startTime: t0, finishTime: t1 };
    expect(groupStatus(group(done, { state: 'Running' }))).toMatchObject({
      state: 'running',
      reason: 'uploading outputs',
    });
    expect(groupStatus(group(done, { state: 'Terminated', exitCode: 0 }))).toEqual({
      state: 'succeeded',
      exitCode: 0,
      startedAt: t0.toISOString(),
      finishedAt: t1.toISOString(),
    });
    expect(groupStatus(group(done, { state: 'Terminated', exitCode: 4 }))).toMatchObject({
      state: 'failed',
      exitCode: 0,
      reason: 'stage-out failed (exit 4)',
    });
  });

  it('fails with the exit code of the step, naming an OOM kill', () => {
    expect(
      groupStatus(group({ state: 'Terminated', exitCode: 137, startTime: t0, finishTime: t1 })),
    ).toMatchObject({
      state: 'failed',
      exitCode: 137,
      reason: 'killed (exit 137, likely out of memory)',
    });
    expect(groupStatus(group({ state: 'Terminated', exitCode: 2, detailStatus: 'Error' })).reason).toBe(
      'exit 2: Error',
    );
  });

  it('fails when stage-in fails or provisioning fails', () => {
    expect(groupStatus(group(undefined, undefined, {}, { state: 'Terminated', exitCode: 4 }))).toMatchObject({
      state: 'failed',
      reason: 'stage-in failed (exit 4)',
    });
    const failed = group(undefined, undefined, {
      provisioningState: 'Failed',
      instanceView: { events: [{ name: 'InsufficientCapacity', message: 'not available' }] },
    });
    expect(groupStatus(failed)).toEqual({ state: 'failed', reason: 'provisioning failed: not available' });
  });
});

describe('Batch task -> step status', () => {
  const task = (t: Partial<BatchServiceModels.CloudTask>) => t as BatchServiceModels.CloudTask;

  it('maps active/preparing to pending, noting a requeue after a lost node', () => {
    expect(taskStatus(task({ state: 'active' }))).toEqual({ state: 'pending' });
    expect(taskStatus(task({ state: 'active', executionInfo: { retryCount: 0, requeueCount: 1 } }))).toEqual({
      state: 'pending',
      reason: 'requeued after its node was lost',
    });
    expect(
      taskStatus(
        task({ state: 'running', executionInfo: { retryCount: 0, requeueCount: 0, startTime: t0 } }),
      ),
    ).toEqual({
      state: 'running',
      startedAt: t0.toISOString(),
    });
  });

  it('maps completed tasks by result, with the exit code and failure info', () => {
    const info = { retryCount: 0, requeueCount: 0, startTime: t0, endTime: t1 };
    expect(
      taskStatus(task({ state: 'completed', executionInfo: { ...info, exitCode: 0, result: 'success' } })),
    ).toEqual({
      state: 'succeeded',
      exitCode: 0,
      startedAt: t0.toISOString(),
      finishedAt: t1.toISOString(),
    });
    expect(
      taskStatus(task({ state: 'completed', executionInfo: { ...info, exitCode: 137, result: 'failure' } })),
    ).toMatchObject({
      state: 'failed',
      exitCode: 137,
      reason: 'killed (exit 137, likely out of memory)',
    });
    const invalidImage = {
      ...info,
      result: 'failure' as const,
      failureInfo: { category: 'usererror' as const, code: 'ContainerInvalidImage', message: 'invalid' },
    };
    expect(taskStatus(task({ state: 'completed', executionInfo: invalidImage }))).toEqual({
      state: 'failed',
      startedAt: t0.toISOString(),
      finishedAt: t1.toISOString(),
      reason: 'ContainerInvalidImage: invalid',
    });
  });
});
