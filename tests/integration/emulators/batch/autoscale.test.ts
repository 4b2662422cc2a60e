import { VirtualClock } from '../../../../packages/emulators/common/clock';
import { waitFor } from '../../../support/wait-for';
import { type Harness, VM_CONFIG, restError, startHarness } from './harness';

/** Formulas from Microsoft Learn, "Create a formula to automatically scale compute nodes in a Batch pool". */
const PENDING_TASKS_FORMULA = [
  'startingNumberOfVMs = 1;',
  'maxNumberofVMs = 25;',
  'pendingTaskSamplePercent = $PendingTasks.GetSamplePercent(180 * TimeInterval_Second);',
  'pendingTaskSamples = pendingTaskSamplePercent < 70 ? startingNumberOfVMs : avg($PendingTasks.GetSample(180 * TimeInterval_Second));',
  '$TargetDedicatedNodes=min(maxNumberofVMs, pendingTaskSamples);',
  '$NodeDeallocationOption = taskcompletion;',
].join('\n');

const TIME_FORMULA = [
  '$curTime = time();',
  '$workHours = $curTime.hour >= 8 && $curTime.hour < 18;',
  '$isWeekday = $curTime.weekday >= 1 && $curTime.weekday <= 5;',
  '$isWorkingWeekdayHour = $workHours && $isWeekday;',
  '$TargetDedicatedNodes = $isWorkingWeekdayHour ? 20:10;',
  '$NodeDeallocationOption = taskcompletion;',
].join('\n');

/** flotilla's own pool formula (src/compute/batch/task-body.ts, autoscaleFormula(4, 2)). */
const FLOTILLA_FORMULA = [
  '$samples = $PendingTasks.GetSamplePercent(TimeInterval_Minute * 5);',
  '$tasks = $samples < 70 ? max(0, $PendingTasks.GetSample(1)) : max($PendingTasks.GetSample(1), avg($PendingTasks.GetSample(TimeInterval_Minute * 5)));',
  '$TargetDedicatedNodes = min(4, ceil($tasks / 2));',
  '$NodeDeallocationOption = taskcompletion;',
].join(' ');

describe('Batch emulator: autoscale formulas are evaluated on the clock', () => {
  let h: Harness;
  // Tuesday 2026-01-06 10:00 UTC: working hours on a weekday.
  const clock = new VirtualClock(Date.UTC(2026, 0, 6, 10, 0, 0));
  beforeAll(async () => {
    h = await startHarness({
      clock,
      mode: 'simulate',
      simulate: { durationMs: 3_600_000, exitCode: 0 },
      formula: FLOTILLA_FORMULA,
    });
  });
  afterAll(() => h.stop());

  it('evaluates the documented time-of-day formula and prints every variable as Batch does', async () => {
    const run = await h.batch.pool.evaluateAutoScale('pool1', TIME_FORMULA);
    expect(run.error).toBeUndefined();
    expect(run.results).toBe(
      '$TargetDedicatedNodes=20;$NodeDeallocationOption=taskcompletion;' +
        '$curTime=2026-01-06T10:00:00.000Z;$isWeekday=1;$isWorkingWeekdayHour=1;$workHours=1',
    );
    expect(run.timestamp?.getTime()).toBe(clock.now());
  });

  it('evaluates the documented pending-tasks formula with too few samples (starting number of VMs)', async () => {
    const run = await h.batch.pool.evaluateAutoScale('pool1', PENDING_TASKS_FORMULA);
    expect(run.results).toContain('$TargetDedicatedNodes=1;');
    expect(run.results).toContain('pendingTaskSamples=1');
  });

  it("grows flotilla's pool per evaluation interval as tasks queue, and shrinks it when they are done", async () => {
    await h.batch.pool.add({
      id: 'scaled',
      vmSize: 'standard_d2s_v3',
      virtualMachineConfiguration: VM_CONFIG,
      enableAutoScale: true,
      autoScaleFormula: FLOTILLA_FORMULA,
      autoScaleEvaluationInterval: 'PT5M',
      taskSlotsPerNode: 2,
    });
    const fresh = await h.batch.pool.get('scaled');
    expect(fresh).toMatchObject({ currentDedicatedNodes: 0, targetDedicatedNodes: 0 });
    expect(fresh.autoScaleRun?.results).toMatch(/^\$TargetDedicatedNodes=0;/);
    await h.batch.job.add({ id: 'scale-job', poolInfo: { poolId: 'scaled' } });
    await h.batch.task.addCollection(
      'scale-job',
      Array.from({ length: 7 }, (_, i) => ({ id: `t${i}`, commandLine: 'work' })),
    );
    // Nothing runs before the next evaluation: the pool still has no nodes.
    expect((await h.batch.job.getTaskCounts('scale-job')).taskCounts.running).toBe(0);
    await clock.advance(5 * 60_000);
    const grown = await waitFor(
      async () => {
        const pool = await h.batch.pool.get('scaled');
        return pool.currentDedicatedNodes === 4 ? pool : undefined;
      },
      { what: 'the pool to grow to 4 nodes at the evaluation' },
    );
    expect(grown.autoScaleRun?.timestamp?.getTime()).toBe(clock.now());
    expect(grown.autoScaleRun?.results).toContain('$tasks=7');
    await waitFor(async () => (await h.batch.job.getTaskCounts('scale-job')).taskCounts.running === 7, {
      what: 'all 7 tasks to run on the grown pool',
    });
    await h.batch.job.terminate('scale-job');
    await waitFor(async () => (await h.batch.job.get('scale-job')).state === 'completed', {
      what: 'the job to complete',
    });
    // Ten minutes of samples with no pending tasks (GetSamplePercent >= 70): avg = 0, the pool shrinks.
    await clock.advance(10 * 60_000);
    await waitFor(async () => (await h.batch.pool.get('scaled')).currentDedicatedNodes === 0, {
      what: 'the pool to shrink to 0 nodes',
    });
  });

  it('answers an evaluation error in autoScaleRun, and refuses a formula that does not parse', async () => {
    const run = await h.batch.pool.evaluateAutoScale(
      'pool1',
      '$TargetDedicatedNodes = avg($CPUPercent.GetSample(10));',
    );
    expect(run.results).toBeUndefined();
    expect(run.error?.code).toBe('AutoScalingFormulaEvaluationError');
    expect(run.error?.values).toEqual([
      { name: 'Message', value: expect.stringContaining('$CPUPercent is not emulated') },
    ]);
    const bare = await h.batch.pool.evaluateAutoScale('pool1', '$TargetDedicatedNodes = $PendingTasks;');
    expect(bare.error?.values?.[0]?.value).toContain('read it with $PendingTasks.GetSample');
    const syntax = await restError(h.batch.pool.evaluateAutoScale('pool1', '$TargetDedicatedNodes = min(1,'));
    expect([syntax.statusCode, syntax.code]).toEqual([400, 'InvalidAutoScalingFormula']);
    expect(syntax.body.values).toEqual([
      { key: 'Message', value: expect.stringContaining('end of the formula') },
    ]);
    const onAdd = await restError(
      h.batch.pool.add({
        id: 'bad-formula',
        vmSize: 'standard_d2s_v3',
        virtualMachineConfiguration: VM_CONFIG,
        enableAutoScale: true,
        autoScaleFormula: '$TargetDedicatedNodes == 3',
      }),
    );
    expect(onAdd.code).toBe('InvalidAutoScalingFormula');
  });
});
