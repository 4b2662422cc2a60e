/**
 * Scale benchmark of the whole orchestration (simulate mode): the embedded stack (Azurite, identity, ACI emulator,
 * no processes) and the embedded host running the flotilla app from dist/, on one VirtualClock. Starts a run of
 * n images x 3 steps through POST /api/runs and drives the clock until it ends. Prints JSON per size: wall time,
 * images/s, ACI management calls per step, largest orchestration history, peak RSS, and the ratio
 * time(largest) / time(smallest) (target <= 12 for 1,000 -> 10,000; no history over 2,000 events).
 * Creates are unlimited unless `--creates-per-5min` / `--creates-per-hour` set limits (the emulator enforces them
 * and flotilla's admission is configured with the same); deletes keep the emulator's (and ACI's) default limits,
 * 100 per 5 minutes and 300 per hour, unless `--deletes-per-5min` / `--deletes-per-hour` say otherwise. Each run
 * also reports the deletes the emulator accepted in its busiest 5-minute and 1-hour windows (`deletes`), the
 * teardowns handed to the sweeper, the groups still alive when the run ended (the sweeper is not run here), and
 * `stepFailures`: the manifest's steps that did not succeed, by status and error code.
 *
 * `--backend aci` (default) runs every step on ACI; `--backend batch` runs the same 3-step pipeline with every
 * step on `backend: batch` (a pool of ceil(concurrency / 4) nodes of 4 slots). The durable work is counted in the
 * embedded engine (`engine.stats()`, the difference over the run): `activityInvocations`, `orchestratorEpisodes`
 * (each one a paid orchestrator execution on Azure), and both per step (steps = images x 3; no finalize step).
 * `aciCallsPerStep` / `batchCallsPerStep` are the management calls each emulator's recorder answered, per step.
 * The VirtualClock moves only while the host is idle (no episode, activity or due callback), to the next armed
 * timer, at least `--step` ms at a time: virtual time never runs ahead of a host that is still catching up.
 * `--clock free` moves it `--step` ms every turn instead, whatever the host does (the only way before
 * `--clock`: wall time and images/s compare with earlier commits; its virtual makespan is not meaningful).
 * `--azurite-durability autosave` starts Azurite without its write-through preload (its own 5-second autosave,
 * as before write-through existed): every acknowledged write then costs no save of the whole metadata
 * database, so the run measures the orchestration rather than Azurite's persistence (docs/emulators.md).
 * `virtualMakespanMs` is the run's start to its last update on the VirtualClock; `quotaBoundMs` is the shortest
 * time the ACI create and delete limits in force allow for the run's container groups (one per ACI step; 0 on
 * Batch): with per5Min / perHour limits, n operations need at least
 *   floor((n - 1) / perHour) x 1 h + floor(((n - 1) mod perHour) / per5Min) x 5 min
 * (exactly so when ceil(perHour / per5Min) x 5 min <= 1 h; bench/quota-bound.ts computes the general case), and
 * the bound is the larger of the create and the delete bound.
 *
 *   npm run build && node dist/bench/run-scale.js --images 1000,10000 --concurrency 50 [--backend batch]
 */
import { BlobServiceClient } from '@azure/storage-blob';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { VirtualClock } from '../packages/emulators/common/clock';
import { startHost } from '../packages/emulators/functions';
import { DEFAULT_POOL, appEnvironment, freePort, startStack } from '../packages/emulators/stack';
import { trustCertificate } from '../packages/emulators/stack/tls';
import { appDepsFromComposition, setAppDeps, setComposition } from '../src/composition';
import { quotaBoundMs } from './quota-bound';

const { values } = parseArgs({
  options: {
    images: { type: 'string', default: '1000,10000' },
    concurrency: { type: 'string', default: '50' },
    step: { type: 'string', default: '2000' },
    'deletes-per-5min': { type: 'string', default: '100' },
    'deletes-per-hour': { type: 'string', default: '300' },
    'creates-per-5min': { type: 'string', default: '1000000000' },
    'creates-per-hour': { type: 'string', default: '1000000000' },
    backend: { type: 'string', default: 'aci' },
    clock: { type: 'string', default: 'idle' },
    'azurite-durability': { type: 'string', default: 'write-through' },
  },
});
if (values['azurite-durability'] !== 'write-through' && values['azurite-durability'] !== 'autosave')
  throw new Error(
    `--azurite-durability must be 'write-through' or 'autosave', got '${values['azurite-durability']}'`,
  );
/** `autosave`: Azurite without write-through (as before it existed): measures the orchestration alone. */
const AZURITE_WRITE_THROUGH = values['azurite-durability'] === 'write-through';
if (values.clock !== 'idle' && values.clock !== 'free')
  throw new Error(`--clock must be 'idle' or 'free', got '${values.clock}'`);
/** `free`: the clock moves `--step` ms every turn whatever the host does (as before `--clock` existed). */
const FREE_CLOCK = values.clock === 'free';
if (values.backend !== 'aci' && values.backend !== 'batch')
  throw new Error(`--backend must be 'aci' or 'batch', got '${values.backend}'`);
const BACKEND = values.backend;
const CREATES_PER_5MIN = Number(values['creates-per-5min']);
const CREATES_PER_HOUR = Number(values['creates-per-hour']);
const DELETES_PER_5MIN = Number(values['deletes-per-5min']);
const DELETES_PER_HOUR = Number(values['deletes-per-hour']);

/** The most accepted deletes in any window of `windowMs` (sliding, over the recorder's times). */
function busiestWindow(times: readonly number[], windowMs: number): number {
  let best = 0;
  let from = 0;
  for (let to = 0; to < times.length; to++) {
    while ((times[to] ?? 0) - (times[from] ?? 0) >= windowMs) from++;
    best = Math.max(best, to - from + 1);
  }
  return best;
}
/**
 * True when the host has nothing to do: no episode or activity running in the engine and no clock callback
 * due, across two turns of the event loop. The virtual clock moves only then, so virtual time never runs
 * ahead of the host: `virtualMakespanMs` is what the orchestration's own waits (timers, quotas) cost, not how
 * far the clock ran while a loaded machine caught up.
 */
async function quiet(engine: { idle(): boolean }, clock: VirtualClock): Promise<boolean> {
  for (let turn = 0; turn < 2; turn++) {
    if (!engine.idle() || clock.dueNow() > 0) return false;
    await new Promise((resolve) => setImmediate(resolve));
  }
  return engine.idle() && clock.dueNow() === 0;
}

/** What the bench reads of a step in the run's manifest. */
interface ManifestStep {
  readonly status?: string;
  readonly teardown?: string;
  readonly error?: { readonly code: string };
}
const SIZES = values.images.split(',').map(Number);
const CONCURRENCY = Number(values.concurrency);
const STEP_MS = Number(values.step);
const BIG = '1000000000';

async function runOnce(images: number) {
  const stateDir = mkdtempSync(join(tmpdir(), 'bench-run-scale-'));
  const clock = new VirtualClock(Date.now());
  const stack = await startStack({
    stateDir,
    mode: 'simulate',
    clock,
    azuriteWriteThrough: AZURITE_WRITE_THROUGH,
    aci: {
      provisioningMs: 2000,
      quotas: {
        coresPerRegion: 1e9,
        groupsPerRegion: 1e9,
        createsPer5Min: CREATES_PER_5MIN,
        createsPerHour: CREATES_PER_HOUR,
        deletesPer5Min: DELETES_PER_5MIN,
        deletesPerHour: DELETES_PER_HOUR,
      },
    },
    batch: {
      simulate: { durationMs: 1000, exitCode: 0 },
      pools: [
        { ...DEFAULT_POOL, targetDedicatedNodes: Math.ceil(CONCURRENCY / DEFAULT_POOL.taskSlotsPerNode) },
      ],
    },
  });
  const untrust = trustCertificate(stack.certificate.cert);
  process.env.IDENTITY_ENDPOINT = stack.settings.IDENTITY_ENDPOINT;
  process.env.IDENTITY_HEADER = stack.settings.IDENTITY_HEADER;
  const port = await freePort();
  const env = appEnvironment(stack.settings, {
    port,
    callbackSecret: 'bench-callback-secret-of-at-least-32-characters',
    taskHub: 'bench',
    extra: {
      FLOTILLA_SWEEP_SCHEDULE: '0 0 0 1 1 *',
      FLOTILLA_ACI_CREATES_PER_5_MIN: String(CREATES_PER_5MIN),
      FLOTILLA_ACI_CREATES_PER_HOUR: String(CREATES_PER_HOUR),
      FLOTILLA_BATCH_POOL_ID: DEFAULT_POOL.id,
      FLOTILLA_ACI_CORE_QUOTA: BIG,
      FLOTILLA_ACI_GROUP_QUOTA: BIG,
      FLOTILLA_ACI_DELETES_PER_5_MIN: String(DELETES_PER_5MIN),
      FLOTILLA_ACI_DELETES_PER_HOUR: String(DELETES_PER_HOUR),
      // The app's info lines would go to stdout, where this bench prints its JSON (BENCH_LOG_LEVEL overrides).
      FLOTILLA_LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'warn',
    },
  });
  const now = () => clock.now();
  // Each size runs on a stack of its own: the composition root (clients of the previous stack) is rebuilt.
  setComposition(undefined);
  setAppDeps(() => {
    const deps = appDepsFromComposition();
    return { ...deps, now, activities: { ...deps.activities, now } };
  });
  const appDir = dirname(dirname(__dirname));
  const host = await startHost({
    appDir,
    clock,
    port,
    env,
    stateDir: join(stateDir, 'host'),
    blobPollIntervalMs: false,
  });
  let peakRss = process.memoryUsage().rss;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 250);
  try {
    const blobs = BlobServiceClient.fromConnectionString(stack.azurite.connectionString).getContainerClient(
      'images',
    );
    await blobs.createIfNotExists();
    for (let i = 0; i < images; i += 100) {
      await Promise.all(
        Array.from({ length: Math.min(100, images - i) }, (_, k) =>
          blobs.getBlockBlobClient(`scale/img-${String(i + k).padStart(6, '0')}.tif`).upload('x', 1),
        ),
      );
    }
    const step = (id: string, dependsOn?: string[]) => ({
      id,
      image: 'busybox:1.36',
      command: id,
      timeout: '30m',
      ...(dependsOn ? { dependsOn } : {}),
      ...(BACKEND === 'batch' ? { backend: 'batch' } : {}),
    });
    const pipeline = {
      name: 'scale',
      inputs: { container: 'images', prefix: 'scale/' },
      outputs: { container: 'outputs' },
      concurrency: CONCURRENCY,
      steps: [step('tile'), step('predict', ['tile']), step('vectorize', ['predict'])],
    };
    const t0 = performance.now();
    const virtualStart = clock.now();
    const before = host.engine.stats();
    const res = await host.invokeHttp('startRun', { body: { pipeline } });
    const started = (await res.json()) as { runId: string };
    if (res.status !== 202) throw new Error(`start failed: ${res.status} ${JSON.stringify(started)}`);
    const { runId } = started;
    let status: string | undefined;
    for (;;) {
      status = host.engine.getStatus(runId)?.runtimeStatus;
      if (status === 'Completed' || status === 'Failed') break;
      if (FREE_CLOCK) {
        await clock.advance(STEP_MS);
        await new Promise((resolve) => setTimeout(resolve, 2));
        continue;
      }
      if (!(await quiet(host.engine, clock))) {
        await new Promise((resolve) => setTimeout(resolve, 1));
        continue;
      }
      // Nothing can happen before the next timer: move there (in steps of at least STEP_MS, firing every
      // timer on the way in order), never while the host still has work.
      const next = clock.pending()[0] ?? clock.now() + STEP_MS;
      await clock.advanceTo(Math.max(clock.now() + STEP_MS, next));
    }
    const wallMs = performance.now() - t0;
    const after = host.engine.stats();
    const lastUpdated = host.engine.getStatus(runId)?.lastUpdatedTime;
    const virtualEnd = lastUpdated ? Date.parse(lastUpdated) : clock.now();
    const output = host.engine.getStatus(runId)?.output as
      { status: string; counts: { succeeded: number } } | undefined;
    const recorded = stack.aci.recorder.all();
    const calls = recorded.filter((r) => r.operation !== 'Run').length;
    const steps = images * 3;
    const batchCalls = stack.batch.recorder.all().filter((r) => r.operation !== 'Run').length;
    const activityInvocations = after.activityInvocations - before.activityInvocations;
    const orchestratorEpisodes = after.episodes - before.episodes;
    const groups = BACKEND === 'aci' ? steps : 0;
    const deleteCalls = recorded.filter((r) => r.operation === 'ContainerGroups_Delete');
    const accepted = deleteCalls
      .filter((r) => r.status === 200)
      .map((r) => r.at)
      .sort((a, b) => a - b);
    const manifest = await BlobServiceClient.fromConnectionString(stack.azurite.connectionString)
      .getContainerClient('results')
      .getBlockBlobClient(`${runId}/manifest.json`)
      .downloadToBuffer()
      .then((b) => JSON.parse(b.toString('utf8')) as { images: { steps: ManifestStep[] }[] })
      .catch(() => undefined);
    const manifestSteps = (manifest?.images ?? []).flatMap((i) => i.steps);
    const deferred = manifestSteps.filter((s) => s.teardown).length;
    const stepFailures: Record<string, number> = {};
    for (const s of manifestSteps)
      if (s.status !== 'succeeded') {
        const key = `${s.status}${s.error ? `:${s.error.code}` : ''}`;
        stepFailures[key] = (stepFailures[key] ?? 0) + 1;
      }
    return {
      backend: BACKEND,
      images,
      steps,
      status: output?.status ?? String(status),
      succeeded: output?.counts.succeeded ?? 0,
      wallMs: Math.round(wallMs),
      imagesPerSecond: Number((images / (wallMs / 1000)).toFixed(2)),
      aciCallsPerStep: Number((calls / steps).toFixed(2)),
      batchCallsPerStep: Number((batchCalls / steps).toFixed(2)),
      largestHistory: after.largestHistory,
      activityInvocations,
      orchestratorEpisodes,
      activitiesPerStep: Number((activityInvocations / steps).toFixed(2)),
      episodesPerStep: Number((orchestratorEpisodes / steps).toFixed(2)),
      peakRssMb: Math.round(peakRss / 2 ** 20),
      virtualMinutes: Math.round((clock.now() - virtualStart) / 60_000),
      virtualMakespanMs: virtualEnd - virtualStart,
      quotaBoundMs: quotaBoundMs(groups, {
        creates: { per5Min: CREATES_PER_5MIN, perHour: CREATES_PER_HOUR },
        deletes: { per5Min: DELETES_PER_5MIN, perHour: DELETES_PER_HOUR },
      }),
      deletes: {
        accepted: accepted.length,
        throttled: deleteCalls.filter((r) => r.status === 429).length,
        busiest5Min: busiestWindow(accepted, 5 * 60_000),
        busiestHour: busiestWindow(accepted, 60 * 60_000),
        limitPer5Min: DELETES_PER_5MIN,
        limitPerHour: DELETES_PER_HOUR,
      },
      teardownsDeferred: deferred,
      stepFailures,
      aciGroupsLeft: stack.aci.resources().length,
    };
  } finally {
    clearInterval(sampler);
    await host.stop();
    await stack.stop();
    untrust();
    rmSync(stateDir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const runs = [];
  for (const n of SIZES) runs.push(await runOnce(n));
  const first = runs[0];
  const last = runs[runs.length - 1];
  const ratio = first && last ? Number((Number(last.wallMs) / Number(first.wallMs)).toFixed(2)) : 0;
  const largest = Math.max(...runs.map((r) => r.largestHistory));
  console.log(
    JSON.stringify(
      {
        bench: 'run-scale',
        mode: 'simulate',
        backend: BACKEND,
        clock: values.clock,
        azuriteDurability: values['azurite-durability'],
        concurrency: CONCURRENCY,
        runs,
        timeRatio: ratio,
        targets: {
          completes: runs.every((r) => r.status === 'succeeded'),
          timeRatioAtMost12: ratio <= 12,
          deletesWithinLimits: runs.every(
            (r) =>
              r.deletes.busiest5Min <= r.deletes.limitPer5Min &&
              r.deletes.busiestHour <= r.deletes.limitPerHour,
          ),
          noHistoryOver2000: largest <= 2000,
        },
      },
      null,
      2,
    ),
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
