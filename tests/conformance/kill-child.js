// Child process for restart-kill.test.ts: runs the real host on a state folder, starts a run that blocks in its
// third step, prints READY once that step is running, and waits to be killed with SIGKILL.
const fs = require('node:fs');
const path = require('node:path');
// Load the TypeScript sources transpiled, as Jest does, so the child runs the same code as the tests.
require('../../scripts/ts-register.js');

const [stateDir, countFile, run] = process.argv.slice(2);
const { startHost } = require('../../packages/emulators/functions/index.ts');

(async () => {
  const appDir = path.join(__dirname, '../fixtures/durable-apps/conformance');
  const host = await startHost({ appDir, stateDir, blobPollIntervalMs: false });
  const res = await host.fetch(`/durabletask/orchestrators/steps/${run}`, {
    method: 'POST',
    body: JSON.stringify({ run, gatedStep: 3, total: 4, countFile }),
  });
  if (res.status !== 202) throw new Error(`start failed: ${res.status} ${await res.text()}`);
  // Bounded: the test kills this process after 30 s anyway; fail clearly before that.
  const deadline = Date.now() + 25_000;
  for (;;) {
    const lines = fs.existsSync(countFile) ? fs.readFileSync(countFile, 'utf8') : '';
    if (lines.includes(`${run}-3`)) break;
    if (Date.now() > deadline) throw new Error(`step 3 of ${run} did not run within 25 s`);
    await new Promise((r) => setTimeout(r, 10));
  }
  process.stdout.write('READY\n');
  setInterval(() => undefined, 1000);
})().catch((error) => {
  process.stderr.write(`${error.stack}\n`);
  process.exit(2);
});
