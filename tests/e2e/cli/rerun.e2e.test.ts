import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../support/cli';

describe('flotilla rerun', () => {
  let dir: string;
  beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'flotilla-cli-rerun-'))));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reruns the failed image of a finished run and follows the new run; an unknown run exits 1', async () => {
    const spec = join(dir, 'fails.yaml');
    writeFileSync(
      spec,
      [
        'name: fails',
        'inputs: { container: images, prefix: fails/ }',
        'outputs: { container: results }',
        'defaults: { cpu: 0.5, memoryGB: 1, retries: 0, timeout: 5m }',
        'steps:',
        '  - id: check',
        '    image: busybox:1.36',
        "    command: ['sh', '-c', 'exit 1']",
      ].join('\n'),
    );
    const image = join(dir, 'one.bin');
    writeFileSync(image, 'x');
    const state = join(dir, 'state');
    const first = runCli(['run', spec, '--images', image, '--state', state, '--json']);
    expect(await first.exited).toBe(1);
    const original = first.events.find((e) => e.event === 'result') as { runId: string; status: string };
    expect(original.status).toBe('failed');

    const rerun = runCli(['rerun', original.runId, '--state', state, '--json']);
    expect(await rerun.exited).toBe(1);
    const started = rerun.events.find(
      (e) => e.event === 'log' && String(e.message).includes(`rerun of ${original.runId}`),
    );
    expect(started?.message).toMatch(/^run r-[0-9a-z]+ started: rerun of r-[0-9a-z]+, 1 images$/);
    const result = rerun.events.find((e) => e.event === 'result') as
      { runId: string; status: string } | undefined;
    expect(result?.status).toBe('failed');
    expect(result?.runId).not.toBe(original.runId);

    const unknown = runCli(['rerun', 'r-0123456789abcdef0123', '--state', state]);
    expect(await unknown.exited).toBe(1);
    expect(unknown.stderr).toMatch(/flotilla rerun: no run with id r-0123456789abcdef0123/);
  }, 240_000);
});
