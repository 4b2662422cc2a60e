/**
 * Fan-out benchmark of the embedded Durable engine through the real host and the real durable-functions replay:
 * one orchestrator fans out to n no-op activities and fans in. Prints JSON with wall time, episodes and replayed
 * events per size, and the growth ratio time(5,000) / time(1,000) (must stay <= 7: near-linear).
 *
 *   npm run bench:host-fanout
 *   node dist/bench/host-fanout.js --sizes 1000,5000,10000
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { startHost } from '../packages/emulators/functions';

const { values } = parseArgs({ options: { sizes: { type: 'string', default: '1000,5000' } } });
const SIZES = values.sizes.split(',').map(Number);

function fixtureDir(): string {
  for (let dir = __dirname; dir !== dirname(dir); dir = dirname(dir)) {
    const candidate = join(dir, 'tests/fixtures/durable-apps/fanout');
    if (existsSync(candidate)) return candidate;
  }
  throw new Error('tests/fixtures/durable-apps/fanout not found above ' + __dirname);
}

async function main(): Promise<void> {
  const stateDir = mkdtempSync(join(tmpdir(), 'bench-host-fanout-'));
  const host = await startHost({ appDir: fixtureDir(), stateDir, blobPollIntervalMs: false });
  const engine = host.engine;
  const runs: Record<string, number>[] = [];
  try {
    const fanOut = async (n: number) => {
      const before = engine.stats();
      const t0 = performance.now();
      const res = await host.fetch('/durabletask/orchestrators/fanOutNoop', {
        method: 'POST',
        body: String(n),
      });
      const { id } = (await res.json()) as { id: string };
      const done = await engine.waitForStatus(
        id,
        (s) => s.runtimeStatus === 'Completed' || s.runtimeStatus === 'Failed',
        600_000,
      );
      const wallMs = performance.now() - t0;
      if (done.output !== n)
        throw new Error(`fan-out ${n} ended ${done.runtimeStatus} with ${JSON.stringify(done.output)}`);
      const after = engine.stats();
      return {
        activities: n,
        wallMs: Math.round(wallMs),
        episodes: after.episodes - before.episodes,
        replayedEvents: after.replayedEvents - before.replayedEvents,
        largestHistory: after.largestHistory,
        activityInvocations: after.activityInvocations - before.activityInvocations,
      };
    };
    await fanOut(100); // warm-up (JIT, module loading)
    for (const n of SIZES) runs.push(await fanOut(n));
  } finally {
    await host.stop();
    rmSync(stateDir, { recursive: true, force: true });
  }
  const small = runs.find((r) => r.activities === 1000);
  const large = runs.find((r) => r.activities === 5000);
  const ratio = small && large ? Number((large.wallMs! / small.wallMs!).toFixed(2)) : null;
  console.log(
    JSON.stringify(
      {
        benchmark: 'host-fanout',
        node: process.version,
        runs,
        ratio5000to1000: ratio,
        nearLinear: ratio !== null && ratio <= 7,
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
