/**
 * Chaos benchmark (simulate mode, real clock): the embedded stack and the Functions host as a real child
 * process; 20 small runs started at once (tile on ACI -> predict on Batch, 2 images each) under random fault
 * rules of every kind in docs/emulators.md, and one SIGKILL of the host mid-flight, then a restart. Checks:
 * every run reaches a terminal state; one sweep leaves no ACI group and no active Batch job alive; no step that
 * exited 0 is reported failed; every log flotilla saved for a succeeded ACI step exists (simulated containers
 * write no outputs, so the saved logs are the artefacts checked; Batch uploads its own stdout/stderr, which the
 * simulating emulator does not, so those are counted, not checked). Seeded: `--seed` repeats the fault rules
 * (timing still varies). Prints one JSON object.
 *
 *   npm run bench:chaos -- --seed 7
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { BlobServiceClient } from '@azure/storage-blob';
import { type FaultRule, mulberry32 } from '../packages/emulators/common/faults';
import { appEnvironment, freePort, startStack } from '../packages/emulators/stack';
import { stopChild } from '../packages/emulators/stack/azurite';
import { trustCertificate } from '../packages/emulators/stack/tls';
import type { Manifest } from '../src/runs/records';

const { values } = parseArgs({
  options: {
    seed: { type: 'string' },
    runs: { type: 'string', default: '20' },
    'timeout-s': { type: 'string', default: '900' },
  },
});
const SEED = values.seed !== undefined ? Number(values.seed) : Math.floor(Math.random() * 2 ** 31);
const RUNS = Number(values.runs);
const ROOT = join(__dirname, '..', '..');
const CLI = join(ROOT, 'packages/cli/bin/flotilla.js');
const TERMINAL = ['succeeded', 'partially_succeeded', 'failed', 'cancelled'];

/** A seeded generator, so `--seed` repeats the rules. */
const prng = mulberry32;

/** One or two rules of every fault kind, with random chances and counts. */
function faultRules(random: () => number): FaultRule[] {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)] as T;
  const p = () => Number((0.05 + random() * 0.2).toFixed(2));
  const times = () => 1 + Math.floor(random() * 3);
  const aciCalls = ['ContainerGroups_CreateOrUpdate', 'ContainerGroups_Get', 'ContainerGroups_Delete'];
  const batchCalls = ['Task_AddCollection', 'Task_Get', 'Task_List', 'Job_Add'];
  const rules: FaultRule[] = [
    { service: 'aci', operation: pick(aciCalls), kind: 'throttle', retryAfterSeconds: 1, probability: p() },
    { service: 'batch', operation: pick(batchCalls), kind: 'throttle', retryAfterSeconds: 1, times: times() },
    {
      service: pick(['aci', 'batch'] as const),
      operation: pick([...aciCalls, ...batchCalls]),
      kind: 'server-error',
      status: pick([500, 503]),
      probability: p(),
    },
    { service: 'aci', operation: 'ContainerGroups_Get', kind: 'no-response', times: times() },
    { service: 'aci', operation: 'ContainerGroups_Get', kind: 'hang', times: 1 },
    { service: 'aci', operation: 'ContainerGroups_CreateOrUpdate', kind: 'quota', times: times() },
    { service: 'aci', operation: 'ContainerGroups_CreateOrUpdate', kind: 'inaccessible-image', times: 1 },
    { service: 'aci', operation: 'ContainerGroups_CreateOrUpdate', kind: 'registry-error', times: times() },
    { operation: 'Run', resource: 'step$|predict', kind: 'oom', probability: p() },
    {
      service: 'aci',
      operation: 'ContainerGroups_CreateOrUpdate',
      kind: 'slow-provisioning',
      delayMs: 3000,
      probability: p(),
    },
    { service: 'batch', operation: 'Run', kind: 'node-lost', times: times() },
    { service: 'aci', operation: 'Run', resource: 'step$', kind: 'never-finishes', times: 1 },
    { operation: 'Run', resource: 'step$|predict', kind: 'exit-code', exitCode: 3, probability: p() },
  ];
  return rules;
}

async function until(done: () => Promise<boolean> | boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await done()) return true;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  return false;
}

async function main(): Promise<void> {
  const random = prng(SEED);
  const rules = faultRules(random);
  const state = mkdtempSync(join(tmpdir(), 'bench-chaos-'));
  const stack = await startStack({
    stateDir: state,
    mode: 'simulate',
    faults: { seed: SEED, rules },
    aci: { simulate: () => ({ durationMs: 1000 + Math.floor(random() * 2000), exitCode: 0 }) },
    batch: { simulate: { durationMs: 2000, exitCode: 0 } },
  });
  const untrust = trustCertificate(stack.certificate.cert);
  const port = await freePort();
  const key = randomBytes(16).toString('hex');
  const master = randomBytes(16).toString('hex');
  const env = appEnvironment(stack.settings, {
    port,
    callbackSecret: randomBytes(32).toString('base64url'),
    extra: { FLOTILLA_SWEEP_SCHEDULE: '0 0 0 1 1 *', FLOTILLA_SDK_TIMEOUT_MS: '5000' },
  });
  const call = async (method: string, path: string, body?: unknown, admin = false) => {
    const response = await fetch(`http://127.0.0.1:${port}${path}`, {
      method,
      headers: { 'x-functions-key': admin ? master : key, 'content-type': 'application/json' },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : {}) as Record<string, unknown> };
  };
  let host: ChildProcess | undefined;
  const startHost = async () => {
    const args = ['host', '--app', ROOT, '--port', String(port), '--state', join(state, 'host')];
    host = spawn(process.execPath, [CLI, ...args, '--key', key, '--master-key', master, '--quiet'], {
      stdio: 'ignore',
      env: { ...process.env, ...env },
    });
    const up = await until(
      async () => (await call('GET', '/api/health').catch(() => ({ status: 0 }))).status === 200,
      60_000,
    );
    if (!up) throw new Error('the host did not start');
  };
  const t0 = performance.now();
  try {
    const blobs = BlobServiceClient.fromConnectionString(stack.settings.AzureWebJobsStorage);
    const images = blobs.getContainerClient('images');
    await images.createIfNotExists();
    for (let r = 0; r < RUNS; r++)
      for (const name of ['a.bin', 'b.bin'])
        await images.getBlockBlobClient(`chaos${r}/${name}`).upload('x', 1);
    await startHost();
    const started = await Promise.all(
      Array.from({ length: RUNS }, (_, r) =>
        call('POST', '/api/runs', {
          pipeline: {
            name: `chaos${r}`,
            inputs: { container: 'images', prefix: `chaos${r}/` },
            outputs: { container: 'results' },
            defaults: { cpu: 0.5, memoryGB: 1, retries: 2, timeout: '1m' },
            steps: [
              { id: 'tile', image: 'busybox:1.36', command: ['true'] },
              {
                id: 'predict',
                image: 'busybox:1.36',
                command: ['true'],
                backend: 'batch',
                dependsOn: ['tile'],
              },
            ],
          },
        }),
      ),
    );
    const startStatuses = started.map((s) => s.status);
    const runIds = started.filter((s) => s.status === 202).map((s) => String(s.body.runId));
    // Kill the host (no teardown, no flush) while groups are alive, then start it again on the same state.
    await until(() => stack.aci.resources().length >= 3, 60_000);
    host?.kill('SIGKILL');
    await new Promise((resolve) => host?.once('exit', resolve));
    await startHost();
    const statuses = new Map<string, string>();
    await until(
      async () => {
        for (const id of runIds) {
          if (TERMINAL.includes(statuses.get(id) ?? '')) continue;
          statuses.set(id, String((await call('GET', `/api/runs/${id}`)).body.status));
        }
        return runIds.every((id) => TERMINAL.includes(statuses.get(id) ?? ''));
      },
      Number(values['timeout-s']) * 1000,
    );
    const beforeSweep = {
      aciGroups: stack.aci.resources().length,
      batchJobs: stack.batch.resources().activeJobs.length,
    };
    const sweep = await call('POST', '/admin/functions/sweeper', { input: '' }, true);
    await until(
      () => stack.aci.resources().length === 0 && stack.batch.resources().activeJobs.length === 0,
      30_000,
    );
    const afterSweep = {
      aciGroups: stack.aci.resources().length,
      batchJobs: stack.batch.resources().activeJobs.length,
    };
    const results = blobs.getContainerClient('results');
    let succeededSteps = 0;
    let failedSteps = 0;
    let deferredTeardowns = 0;
    let logsChecked = 0;
    let batchLogsNotChecked = 0;
    const failures: { runId: string; step: string; code?: string; message?: string }[] = [];
    const succeededReportedFailed: string[] = [];
    const missingLogs: string[] = [];
    for (const id of runIds) {
      const text = await results
        .getBlockBlobClient(`${id}/manifest.json`)
        .downloadToBuffer()
        .catch(() => undefined);
      if (!text) continue;
      const manifest = JSON.parse(text.toString('utf8')) as Manifest;
      for (const step of manifest.images.flatMap((i) => i.steps)) {
        if (step.teardown) deferredTeardowns += 1;
        if (step.status === 'failed') {
          failedSteps += 1;
          failures.push({ runId: id, step: step.step, code: step.error?.code, message: step.error?.message });
          if (step.exitCode === 0 || /ContainerGroups_Delete|TooManyRequests/.test(step.error?.message ?? ''))
            succeededReportedFailed.push(`${id}/${step.step}: ${step.error?.message ?? ''}`);
        }
        if (step.status !== 'succeeded') continue;
        succeededSteps += 1;
        if (step.backend === 'batch') {
          batchLogsNotChecked += step.logs.length;
          continue;
        }
        for (const log of step.logs) {
          logsChecked += 1;
          if (!(await results.getBlockBlobClient(log).exists())) missingLogs.push(log);
        }
      }
    }
    const counts: Record<string, number> = {};
    for (const s of statuses.values()) counts[s] = (counts[s] ?? 0) + 1;
    const terminal =
      runIds.length === RUNS && runIds.every((id) => TERMINAL.includes(statuses.get(id) ?? ''));
    console.log(
      JSON.stringify(
        {
          bench: 'chaos',
          seed: SEED,
          runs: RUNS,
          faultKinds: [...new Set(rules.map((r) => r.kind))],
          faultsFired:
            stack.aci.recorder.all().filter((r) => r.fault).length +
            stack.batch.recorder.all().filter((r) => r.fault).length,
          startStatuses: [...new Set(startStatuses)],
          runStatuses: counts,
          wallMs: Math.round(performance.now() - t0),
          beforeSweep,
          sweepStatus: sweep.status,
          afterSweep,
          steps: {
            succeeded: succeededSteps,
            failed: failedSteps,
            deferredTeardowns,
            logsChecked,
            batchLogsNotChecked,
          },
          failures,
          succeededReportedFailed,
          missingLogs,
          targets: {
            allRunsTerminal: terminal,
            nothingAliveAfterOneSweep: afterSweep.aciGroups === 0 && afterSweep.batchJobs === 0,
            noSucceededStepReportedFailed: succeededReportedFailed.length === 0,
            everyLogOfASucceededStepExists: missingLogs.length === 0,
          },
        },
        null,
        2,
      ),
    );
  } finally {
    if (host) await stopChild(host);
    await stack.stop();
    untrust();
    rmSync(state, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
