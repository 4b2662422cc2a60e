/**
 * Load benchmark of the embedded stack in simulate mode, in ONE process: creates container groups through the
 * real ARM client (managed identity, HTTPS) and Batch tasks through the real Batch client (addCollection of
 * 100), drives all of them to completion, and prints JSON: requests per second per service, peak RSS and
 * heap of this process (and Azurite's RSS, a child process), and whether the process stayed under 1 GB.
 *
 *   npm run bench:emulators                       # 10,000 groups, 30,000 tasks
 *   node dist/bench/emulators.js --groups 500 --tasks 3000
 */
import { ContainerInstanceManagementClient } from '@azure/arm-containerinstance';
import { BatchServiceClient, BatchSharedKeyCredentials } from '@azure/batch';
import { ManagedIdentityCredential } from '@azure/identity';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startStack, type Stack } from '../packages/emulators/stack';
import { trustCertificate } from '../packages/emulators/stack/tls';

const { values } = parseArgs({
  options: {
    groups: { type: 'string', default: '10000' },
    tasks: { type: 'string', default: '30000' },
    concurrency: { type: 'string', default: '32' },
  },
});
const GROUPS = Number(values.groups);
const TASKS = Number(values.tasks);
const CONCURRENCY = Number(values.concurrency);
const STEP_MS = 200;

const memory = { peakRss: 0, peakHeapUsed: 0 };
function sampleMemory(): void {
  const m = process.memoryUsage();
  memory.peakRss = Math.max(memory.peakRss, m.rss);
  memory.peakHeapUsed = Math.max(memory.peakHeapUsed, m.heapUsed);
}

/** Runs `work(i)` for i in [0, n) with at most `limit` in flight. */
async function pool(n: number, limit: number, work: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < n) await work(next++);
  };
  await Promise.all(Array.from({ length: Math.min(limit, n) }, worker));
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const total = (counts: Record<string, number>) => Object.values(counts).reduce((a, b) => a + b, 0);

async function benchAci(stack: Stack): Promise<object> {
  const s = stack.settings;
  const client = new ContainerInstanceManagementClient(
    new ManagedIdentityCredential(),
    s.FLOTILLA_SUBSCRIPTION_ID,
    {
      endpoint: s.FLOTILLA_ARM_ENDPOINT,
      credentialScopes: ['https://management.azure.com/.default'],
    },
  );
  const rg = s.FLOTILLA_RESOURCE_GROUP;
  const name = (i: number) => `bench-${i}`;
  const started = performance.now();
  await pool(GROUPS, CONCURRENCY, async (i) => {
    await client.containerGroups.beginCreateOrUpdate(rg, name(i), {
      location: s.FLOTILLA_LOCATION,
      osType: 'Linux',
      restartPolicy: 'Never',
      tags: { bench: 'emulators' },
      containers: [
        {
          name: 'step',
          image: 'busybox',
          command: ['/bin/sh', '-c', 'true'],
          environmentVariables: [{ name: 'FLOTILLA_STEP', value: String(i) }],
          resources: { requests: { cpu: 1, memoryInGB: 1 } },
        },
      ],
    });
  });
  const created = performance.now();
  let pending = Array.from({ length: GROUPS }, (_, i) => i);
  while (pending.length) {
    const still: number[] = [];
    await pool(pending.length, CONCURRENCY, async (k) => {
      const i = pending[k] as number;
      const group = await client.containerGroups.get(rg, name(i));
      const state = group.containers[0]?.instanceView?.currentState?.state;
      if (state === 'Terminated') await client.containerGroups.beginDelete(rg, name(i));
      else still.push(i);
    });
    pending = still;
    if (pending.length) await sleep(STEP_MS);
  }
  const seconds = (performance.now() - started) / 1000;
  const counts = stack.aci.recorder.counts();
  return {
    containerGroups: GROUPS,
    left: stack.aci.resources().length,
    seconds: round(seconds),
    createSeconds: round((created - started) / 1000),
    requests: total(counts),
    requestsPerSecond: round(total(counts) / seconds),
    byOperation: counts,
  };
}

async function benchBatch(stack: Stack): Promise<object> {
  const s = stack.settings;
  const client = new BatchServiceClient(
    new BatchSharedKeyCredentials(s.FLOTILLA_EMULATOR_BATCH_ACCOUNT, s.FLOTILLA_EMULATOR_BATCH_KEY),
    s.FLOTILLA_BATCH_URL,
  );
  const started = performance.now();
  const jobId = 'bench-job';
  await client.job.add({ id: jobId, poolInfo: { poolId: 'bench' } });
  const chunks = Math.ceil(TASKS / 100);
  let failed = 0;
  await pool(chunks, Math.min(CONCURRENCY, 8), async (c) => {
    const tasks = Array.from({ length: Math.min(100, TASKS - c * 100) }, (_, k) => ({
      id: `t-${c * 100 + k}`,
      commandLine: "/bin/sh -c 'true'",
      containerSettings: { imageName: 'busybox' },
      environmentSettings: [{ name: 'FLOTILLA_STEP', value: String(c * 100 + k) }],
      constraints: { maxWallClockTime: 'PT1H', maxTaskRetryCount: 0 },
    }));
    const result = await client.task.addCollection(jobId, tasks);
    failed += (result.value ?? []).filter((r) => r.status !== 'success').length;
  });
  const added = performance.now();
  for (;;) {
    const counts = await client.job.getTaskCounts(jobId);
    if (counts.taskCounts.completed >= TASKS) break;
    await sleep(STEP_MS);
  }
  const completed = await listCompleted(client, jobId);
  await client.job.terminate(jobId);
  const seconds = (performance.now() - started) / 1000;
  const counts = stack.batch.recorder.counts();
  return {
    tasks: TASKS,
    addFailures: failed,
    listedCompleted: completed,
    seconds: round(seconds),
    addSeconds: round((added - started) / 1000),
    requests: total(counts),
    requestsPerSecond: round(total(counts) / seconds),
    tasksPerSecond: round(TASKS / seconds),
    byOperation: counts,
  };
}

/** Pages through the completed tasks, as the run's Batch monitor does (1,000 per page). */
async function listCompleted(client: BatchServiceClient, jobId: string): Promise<number> {
  const options = { taskListOptions: { filter: "state eq 'completed'", select: 'id,state,executionInfo' } };
  let page = await client.task.list(jobId, options);
  let count = page.length;
  while (page.odatanextLink) {
    page = await client.task.listNext(page.odatanextLink);
    count += page.length;
  }
  return count;
}

function childRssMb(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? round(Number(match[1]) / 1024) : undefined;
}

function round(n: number): number {
  return Math.round(n * 10) / 10;
}

async function main(): Promise<void> {
  const stateDir = mkdtempSync(join(tmpdir(), 'flotilla-bench-emulators-'));
  const timer = setInterval(sampleMemory, 100);
  const stack = await startStack({
    stateDir,
    mode: 'simulate',
    aci: {
      provisioningMs: 100,
      simulate: () => ({ durationMs: 100, exitCode: 0 }),
      quotas: {
        coresPerRegion: 1e9,
        groupsPerRegion: 1e9,
        createsPer5Min: 1e9,
        createsPerHour: 1e9,
        // Throughput, not quota behaviour: deletes unlimited too (ACI's delete limits are tested elsewhere).
        deletesPer5Min: 1e9,
        deletesPerHour: 1e9,
      },
    },
    batch: {
      simulate: { durationMs: 100, exitCode: 0 },
      pools: [
        {
          id: 'bench',
          vmSize: 'standard_d2s_v3',
          virtualMachineConfiguration: {
            imageReference: {
              publisher: 'microsoft-azure-batch',
              offer: 'ubuntu-server-container',
              sku: '20-04-lts',
            },
            nodeAgentSKUId: 'batch.node.ubuntu 20.04',
            containerConfiguration: { type: 'dockerCompatible' },
          },
          targetDedicatedNodes: 100,
          taskSlotsPerNode: 32,
        },
      ],
    },
  });
  const untrust = trustCertificate(stack.certificate.cert);
  process.env.IDENTITY_ENDPOINT = stack.settings.IDENTITY_ENDPOINT;
  process.env.IDENTITY_HEADER = stack.settings.IDENTITY_HEADER;
  try {
    const aci = await benchAci(stack);
    sampleMemory();
    const batch = await benchBatch(stack);
    sampleMemory();
    const peakRssMb = round(memory.peakRss / 2 ** 20);
    console.log(
      JSON.stringify(
        {
          bench: 'emulators',
          mode: 'simulate',
          node: process.version,
          cpus: cpus().length,
          aci,
          batch,
          memory: {
            peakRssMb,
            peakHeapUsedMb: round(memory.peakHeapUsed / 2 ** 20),
            azuriteChildPeakRssMb: childRssMb(stack.azurite.pid),
          },
          underOneGb: memory.peakRss < 2 ** 30,
        },
        null,
        2,
      ),
    );
  } finally {
    clearInterval(timer);
    untrust();
    await stack.stop();
    rmSync(stateDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(`bench/emulators: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
