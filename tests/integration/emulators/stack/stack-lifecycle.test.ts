import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FaultError } from '../../../../packages/emulators/common/faults';
import { startStack } from '../../../../packages/emulators/stack';

let stateDir: string;
beforeEach(() => (stateDir = mkdtempSync(join(tmpdir(), 'flotilla-stack-life-'))));
afterEach(() => rmSync(stateDir, { recursive: true, force: true }));

function alive(pid: number | undefined): boolean {
  if (pid === undefined) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

test('stop() closes every port and ends Azurite; a second stop() is harmless', async () => {
  const stack = await startStack({ stateDir, mode: 'simulate' });
  const pid = stack.azurite.pid;
  expect(alive(pid)).toBe(true);
  const identityUrl = `${stack.settings.IDENTITY_ENDPOINT}?api-version=2019-08-01&resource=x`;
  expect((await fetch(identityUrl)).status).toBe(400);
  await stack.stop();
  await stack.stop();
  expect(alive(pid)).toBe(false);
  await expect(fetch(identityUrl)).rejects.toThrow();
});

test('a bad fault file is refused before anything starts, naming the rule and field', async () => {
  const file = join(stateDir, 'faults.json');
  writeFileSync(file, JSON.stringify({ rules: [{ operation: 'Task_Add', kind: 'explode' }] }));
  const attempt = startStack({ stateDir, mode: 'simulate', faults: file });
  await expect(attempt).rejects.toThrow(FaultError);
  await expect(attempt).rejects.toThrow(/rules\[0\]\.kind: "explode" is not a fault kind/);
});

test('fixed ports from a port base are used', async () => {
  const base = 20000 + (process.pid % 20000);
  const stack = await startStack({ stateDir, mode: 'simulate', portBase: base });
  try {
    expect(stack.azurite.port).toBe(base);
    expect(stack.aci.port).toBe(base + 1);
    expect(stack.settings.FLOTILLA_BATCH_URL).toBe(`http://127.0.0.1:${base + 2}`);
    expect(stack.identity.port).toBe(base + 3);
  } finally {
    await stack.stop();
  }
});
