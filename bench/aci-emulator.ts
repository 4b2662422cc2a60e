/**
 * ACI emulator alone, simulate mode, on a virtual clock: creates N container groups (an init container and two
 * containers each, as flotilla creates them), runs them all to completion, lists them through the real ARM
 * client, and prints JSON: creates per second, peak heap and RSS of this process, and whether it stayed
 * under 1 GB with all groups alive.
 *
 *   npx tsc -p tsconfig.build.json --outDir /tmp/flotilla-bench && node /tmp/flotilla-bench/bench/aci-emulator.js
 *   node .../aci-emulator.js --groups 2000 --via sdk
 */
import { ContainerInstanceManagementClient } from '@azure/arm-containerinstance';
import { Agent, request } from 'node:https';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startAciEmulator } from '../packages/emulators/aci';
import { VirtualClock } from '../packages/emulators/common/clock';
import { ensureDevCertificate } from '../packages/emulators/stack/tls';

const { values } = parseArgs({
  options: {
    groups: { type: 'string', default: '10000' },
    concurrency: { type: 'string', default: '32' },
    via: { type: 'string', default: 'raw' },
  },
});
const GROUPS = Number(values.groups);
const CONCURRENCY = Number(values.concurrency);
const SUB = '00000000-0000-0000-0000-0000000000b1';

const memory = { peakRss: 0, peakHeapUsed: 0 };
const sample = () => {
  const m = process.memoryUsage();
  memory.peakRss = Math.max(memory.peakRss, m.rss);
  memory.peakHeapUsed = Math.max(memory.peakHeapUsed, m.heapUsed);
};

async function pool(n: number, limit: number, work: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < n) await work(next++);
  };
  await Promise.all(Array.from({ length: Math.min(limit, n) }, worker));
}

const token = (() => {
  const enc = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${enc({ alg: 'none' })}.${enc({ aud: 'https://management.azure.com/', exp: Math.floor(Date.now() / 1000) + 86_400 })}.`;
})();

const container = (name: string) => ({
  name,
  properties: {
    image: 'registry.example.com/step:1',
    command: ['/bin/sh', '-c', 'run-step'],
    environmentVariables: [
      { name: 'FLOTILLA_RUN_ID', value: 'run-1' },
      { name: 'FLOTILLA_CALLBACK_URL', secureValue: 'https://example/callback?token=secret' },
    ],
    resources: { requests: { cpu: 1, memoryInGB: 1.5 } },
    volumeMounts: [{ name: 'flotilla', mountPath: '/flotilla' }],
  },
});
const body = {
  location: 'eastus',
  tags: { runId: 'run-1' },
  properties: {
    osType: 'Linux',
    restartPolicy: 'Never',
    volumes: [{ name: 'flotilla', emptyDir: {} }],
    initContainers: [{ name: 'stage-in', properties: { image: 'flotilla/stager:1', command: ['stage-in'] } }],
    containers: [container('step'), container('stage-out')],
  },
};

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'flotilla-aci-bench-'));
  const cert = await ensureDevCertificate(dir);
  const clock = new VirtualClock();
  const emulator = await startAciEmulator({
    tls: { cert: cert.cert, key: cert.key },
    mode: 'simulate',
    clock,
    workRoot: dir,
    pageSize: 100,
    provisioningMs: 5000,
    quotas: { groupsPerRegion: 1e9, coresPerRegion: 1e9, createsPer5Min: 1e9, createsPerHour: 1e9 },
    simulate: (spec) => ({
      durationMs: spec.init ? 2000 : 60_000,
      exitCode: 0,
      logs: `${spec.container} done\n`,
    }),
  });
  const agent = new Agent({ ca: cert.cert, keepAlive: true, maxSockets: CONCURRENCY });
  const client = new ContainerInstanceManagementClient(
    { getToken: () => Promise.resolve({ token, expiresOnTimestamp: Date.now() + 86_400_000 }) },
    SUB,
    { endpoint: emulator.url, credentialScopes: ['https://management.azure.com/.default'], agent },
  );
  const put = (i: number) =>
    new Promise<void>((resolve, reject) => {
      const req = request(
        `${emulator.url}/subscriptions/${SUB}/resourceGroups/rg-bench/providers/Microsoft.ContainerInstance/containerGroups/g-${i}?api-version=2023-05-01`,
        {
          method: 'PUT',
          agent,
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        },
        (res) => {
          res.resume();
          res.on('end', () =>
            res.statusCode === 201 ? resolve() : reject(new Error(`PUT g-${i}: ${res.statusCode}`)),
          );
        },
      );
      req.on('error', reject);
      req.end(JSON.stringify(body));
    });
  const started = Date.now();
  await pool(GROUPS, CONCURRENCY, async (i) => {
    if (values.via === 'sdk')
      await client.containerGroups.beginCreateOrUpdate('rg-bench', `g-${i}`, {
        location: 'eastus',
        osType: 'Linux',
        restartPolicy: 'Never',
        containers: [{ name: 'step', image: 'x', resources: { requests: { cpu: 1, memoryInGB: 1 } } }],
      });
    else await put(i);
    if (i % 500 === 0) sample();
  });
  const createMs = Date.now() - started;
  sample();
  const advanceStarted = Date.now();
  await clock.advance(5000 + 2000 + 60_000);
  const advanceMs = Date.now() - advanceStarted;
  sample();
  const states: Record<string, number> = {};
  for (const r of emulator.resources()) states[r.state] = (states[r.state] ?? 0) + 1;
  const listStarted = Date.now();
  let listed = 0;
  for await (const _ of client.containerGroups.listByResourceGroup('rg-bench')) listed += 1;
  const listMs = Date.now() - listStarted;
  sample();
  global.gc?.();
  const retained = process.memoryUsage().heapUsed;
  await emulator.stop();
  agent.destroy();
  rmSync(dir, { recursive: true, force: true });
  const mb = (n: number) => Math.round(n / 1024 / 1024);
  console.log(
    JSON.stringify(
      {
        bench: 'aci-emulator',
        via: values.via,
        groups: GROUPS,
        containersPerGroup: 3,
        createMs,
        createsPerSecond: Math.round((GROUPS / createMs) * 1000),
        runAllOnVirtualClockMs: advanceMs,
        states,
        listed,
        listMs,
        peakRssMB: mb(memory.peakRss),
        peakHeapUsedMB: mb(memory.peakHeapUsed),
        heapAfterGcMB: global.gc ? mb(retained) : null,
        under1GB: memory.peakRss < 1024 ** 3,
      },
      null,
      2,
    ),
  );
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
