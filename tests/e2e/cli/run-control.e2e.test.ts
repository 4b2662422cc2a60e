import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../support/cli';

describe('flotilla run: invalid specs and Ctrl-C', () => {
  let dir: string;
  beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'flotilla-cli-'))));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('a broken spec exits 1 with the errors and starts nothing', async () => {
    const spec = join(dir, 'broken.yaml');
    writeFileSync(
      spec,
      'name: broken\ninputs: { container: images }\noutputs: { container: results }\nsteps:\n  - id: a\n    image: x\n    comand: [run]\n',
    );
    const run = runCli(['run', spec, '--images', 'anything.tif', '--state', join(dir, 'state')]);
    expect(await run.exited).toBe(1);
    expect(run.stderr).toMatch(/broken\.yaml:7:5: steps\[0\]\.comand: .*did you mean "command"/);
    expect(run.stderr).toMatch(/nothing was started/);
    expect(run.stderr).not.toMatch(/starting the embedded stack/);
  });

  it('Ctrl-C mid-run cancels the run and leaves no live emulator resource', async () => {
    const spec = join(dir, 'slow.yaml');
    writeFileSync(
      spec,
      [
        'name: slow',
        'inputs: { container: images, prefix: slow/ }',
        'outputs: { container: results }',
        'defaults: { cpu: 0.5, memoryGB: 1, retries: 0, timeout: 10m }',
        'steps:',
        '  - id: wait',
        '    image: busybox:1.36',
        "    command: ['sleep', '600']",
      ].join('\n'),
    );
    const image = join(dir, 'one.bin');
    writeFileSync(image, 'x');
    const run = runCli(['run', spec, '--images', image, '--state', join(dir, 'state-c'), '--json']);
    await run.waitFor(
      (e) => e.event === 'progress' && JSON.stringify(e.images ?? []).includes('"status":"running"'),
    );
    run.child.kill('SIGINT');
    const code = await run.exited;
    const result = run.events.find((e) => e.event === 'result') as
      { status: string; leftovers: Record<string, number> } | undefined;
    // Interrupted: 130 (128 + SIGINT), after the cancel has torn the run down.
    expect(code).toBe(130);
    expect(result?.status).toBe('cancelled');
    expect(result?.leftovers).toEqual({ groups: 0, activeJobs: 0, tasks: 0 });
  }, 180_000);
});
