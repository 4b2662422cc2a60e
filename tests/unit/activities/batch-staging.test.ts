/**
 * Batch staging in the activities (docs/security.md, "SAS"): what a Batch attempt staged is collected before the
 * attempt is reported final (its outputs only when it succeeded), before the steps after it are added (they read
 * its outputs), and at the run's end; a collection failure is thrown, never logged away.
 */
import { AdapterError } from '../../../src/adapters/errors';
import { finishBatchRun } from '../../../src/activities/finish-batch-run.activity';
import { finishStep } from '../../../src/activities/finish-step.activity';
import { pollBatchRun } from '../../../src/activities/poll-batch-run.activity';
import { saveStepLogs } from '../../../src/activities/save-step-logs.activity';
import type { ActivityDeps } from '../../../src/activities/deps';
import type { BatchPlan } from '../../../src/activities/submit-batch-steps.activity';
import type { ComputeBackend, StepLaunch, StepRef, StepReport, StepStatus } from '../../../src/compute/port';
import { STATE_CONTAINER, statePaths } from '../../../src/runs/paths';
import { outputsPrefix } from '../../../src/runs/plan';
import type { StepPlan } from '../../../src/runs/plan';
import { InMemoryBlobStore } from '../../support/fakes/in-memory-blob-store';

const RUN = 'r-stage';
const OUTPUTS = { container: 'outputs' };
const ref = (step: string, attempt = 1): StepRef => ({ runId: RUN, imageKey: 'img', step, attempt });

/** A Batch backend of our own port: collection "copies" a staged file to the attempt's outputs prefix. */
class FakeBatch {
  readonly kind = 'batch' as const;
  readonly events: string[] = [];
  readonly started: StepLaunch[] = [];
  completed: StepReport[] = [];
  status_: StepStatus = { state: 'succeeded', exitCode: 0 };
  collectError?: Error;

  constructor(private readonly store: InMemoryBlobStore) {}

  async collectOutputs(r: StepRef, outcome: { succeeded: boolean }): Promise<void> {
    this.events.push(`collect ${r.step}/${r.attempt} ${outcome.succeeded ? 'outputs+logs' : 'logs'}`);
    if (this.collectError) throw this.collectError;
    if (outcome.succeeded)
      await this.store.putText(
        OUTPUTS.container,
        `${outputsPrefix({ runId: RUN, outputs: OUTPUTS }, r.imageKey, r.step, r.attempt)}tiles.txt`,
        'staged',
      );
  }
  collectRun(runId: string): Promise<void> {
    this.events.push(`collectRun ${runId}`);
    return Promise.resolve();
  }
  pollRun() {
    return Promise.resolve({ completed: this.completed, watermark: 'w1' });
  }
  start(launches: readonly StepLaunch[]) {
    this.events.push(`start ${launches.map((l) => l.step).join(',')}`);
    this.started.push(...launches);
    return Promise.resolve(launches.map((l) => ({ ...l, resource: l.step, created: true })));
  }
  status() {
    this.events.push('status');
    return Promise.resolve(this.status_);
  }
  saveLogs(l: { logs: { prefix: string } }) {
    this.events.push('saveLogs');
    return Promise.resolve([`${l.logs.prefix}stdout.txt`]);
  }
  release() {
    return Promise.resolve();
  }
  finishRun(runId: string) {
    this.events.push(`finishRun ${runId}`);
    return Promise.resolve();
  }
}

function setup() {
  const store = new InMemoryBlobStore();
  const batch = new FakeBatch(store);
  const raised: string[] = [];
  const deps = {
    store,
    compute: () => batch as unknown as ComputeBackend,
    now: () => Date.UTC(2026, 0, 1),
    log: () => undefined,
    raiseEvent: (instance: string, name: string) => {
      raised.push(`${instance} ${name}`);
      batch.events.push(`raise ${name}`);
      return Promise.resolve();
    },
  } as unknown as ActivityDeps;
  return { store, batch, raised, deps };
}

const plan = (id: string, dependsOn: string[] = []): StepPlan => ({
  id,
  backend: 'batch',
  containerImage: 'busybox:1.36',
  command: id,
  cpu: 1,
  memoryGb: 1,
  timeoutMs: 600_000,
  retries: 0,
  dependsOn,
});

describe('Batch staging collection in the activities', () => {
  it("pollBatchRun collects a succeeded task's outputs before it adds the step after it, which reads them", async () => {
    const { store, batch, deps } = setup();
    const later: BatchPlan = {
      later: [
        {
          step: plan('predict', ['tile']),
          attempt: 1,
          after: { step: 'tile', attempt: 1 },
          source: { kind: 'image', image: 'in/a.tif', inputs: { container: 'images' } },
          outputs: OUTPUTS,
          sinkSteps: ['predict'],
          callbackInstance: 'lane-1',
        },
      ],
    };
    await store.putText(STATE_CONTAINER, statePaths.batchPlan(RUN, 'img'), JSON.stringify(later));
    batch.completed = [
      { ...ref('tile'), state: 'succeeded', exitCode: 0, notify: 'lane-1' },
      { ...ref('other'), state: 'failed', exitCode: 2, notify: 'lane-1' },
    ];
    await pollBatchRun(deps)({ runId: RUN });
    expect(batch.events.slice(0, 3)).toEqual([
      'collect tile/1 outputs+logs',
      'collect other/1 logs',
      'start predict',
    ]);
    // The successor's inputs are the collected outputs of the succeeded attempt.
    expect(batch.started[0]?.inputs).toEqual([
      { container: 'outputs', blob: `${RUN}/img/tile/attempt-1/out/tiles.txt`, path: 'tile/tiles.txt' },
    ]);
  });

  it('pollBatchRun throws on a collection failure before anything is added or raised (the poll is redone)', async () => {
    const { batch, deps, raised } = setup();
    batch.completed = [{ ...ref('tile'), state: 'succeeded', exitCode: 0, notify: 'lane-1' }];
    batch.collectError = new AdapterError('SERVER_ERROR', 'transient', 'blob copy failed', {
      service: 'blob',
      operation: 'copyFromUrl',
    });
    await expect(pollBatchRun(deps)({ runId: RUN })).rejects.toMatchObject({ code: 'SERVER_ERROR' });
    expect(raised).toEqual([]);
    expect(batch.events.some((e) => e.startsWith('start'))).toBe(false);
  });

  const finishInput = { kind: 'batch' as const, ref: ref('tile'), leaseId: '', keepOnFailureMs: 0 };

  it("finishStep collects before it reports: a success's outputs, a failure's logs only, nothing while running", async () => {
    const { batch, deps } = setup();
    const done = await finishStep(deps)({ ...finishInput, logsPrefix: `${RUN}/img/tile/attempt-1/logs/` });
    expect(done).toMatchObject({ finished: true, status: { state: 'succeeded' } });
    expect(batch.events.slice(0, 3)).toEqual(['status', 'collect tile/1 outputs+logs', 'saveLogs']);

    batch.events.length = 0;
    batch.status_ = { state: 'failed', exitCode: 1 };
    await finishStep(deps)({ ...finishInput, logsPrefix: `${RUN}/img/tile/attempt-1/logs/` });
    expect(batch.events).toContain('collect tile/1 logs');

    batch.events.length = 0;
    batch.status_ = { state: 'running' };
    expect(await finishStep(deps)({ ...finishInput, logsPrefix: 'x/' })).toMatchObject({ finished: false });
    expect(batch.events.filter((e) => e.startsWith('collect'))).toEqual([]);
  });

  it('finishStep throws when the collection fails: the step is not reported final without its outputs', async () => {
    const { batch, deps } = setup();
    batch.collectError = new Error('copy failed');
    await expect(finishStep(deps)({ ...finishInput, logsPrefix: 'x/' })).rejects.toThrow('copy failed');
    expect(batch.events).not.toContain('saveLogs');
  });

  it('saveStepLogs collects as its input says, or as the status says when an older input does not', async () => {
    const { batch, deps } = setup();
    await saveStepLogs(deps)({ kind: 'batch', ref: ref('tile'), logsPrefix: 'l/', succeeded: false });
    expect(batch.events).toEqual(['collect tile/1 logs', 'saveLogs']);
    batch.events.length = 0;
    await saveStepLogs(deps)({ kind: 'batch', ref: ref('tile'), logsPrefix: 'l/' });
    expect(batch.events).toEqual(['status', 'collect tile/1 outputs+logs', 'saveLogs']);
  });

  it("finishBatchRun collects what the run's attempts left staged", async () => {
    const { batch, deps } = setup();
    await finishBatchRun(deps)({ runId: RUN });
    expect(batch.events).toEqual([`finishRun ${RUN}`, `collectRun ${RUN}`]);
  });
});
