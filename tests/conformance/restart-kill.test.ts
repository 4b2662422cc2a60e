import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Harness, openGate, uid } from './support';

/** Runs the child host until its gated step is running, then kills it with SIGKILL. */
function runAndKill(stateDir: string, countFile: string, run: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(__dirname, 'kill-child.js'), stateDir, countFile, run], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), 30000);
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout.on('data', (d: Buffer) => {
      if (d.toString().includes('READY')) child.kill('SIGKILL');
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (signal === 'SIGKILL') resolve();
      else reject(new Error(`child exited with ${code}: ${stderr}`));
    });
  });
}

describe('durable conformance: a host killed with SIGKILL mid-run', () => {
  it('carries on in a new host on the same state folder without re-running completed activities', async () => {
    const stateDir = mkdtempSync(path.join(os.tmpdir(), 'durable-kill-'));
    const countFile = path.join(stateDir, 'runs.txt');
    const run = uid('killed');
    try {
      await runAndKill(stateDir, countFile, run);
      openGate(`${run}-3`);
      const h = await Harness.start({ stateDir });
      try {
        const done = await h.done(run);
        expect(done.runtimeStatus).toBe('Completed');
        expect(done.output).toEqual([1, 2, 3, 4].map((i) => `done ${run}-${i}`));
        const runs = readFileSync(countFile, 'utf8').trim().split('\n');
        const count = (i: number) => runs.filter((k) => k === `${run}-${i}`).length;
        expect([count(1), count(2), count(4)]).toEqual([1, 1, 1]);
        expect(count(3)).toBe(2); // it was running when the process died: at-least-once
      } finally {
        await h.stop({ keepState: true });
      }
    } finally {
      rmSync(stateDir, { recursive: true, force: true });
    }
  });
});
