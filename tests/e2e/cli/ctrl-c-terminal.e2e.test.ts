/**
 * Ctrl-C in a real (pseudo-)terminal: `flotilla run` on the embedded stack, in a tmux session, gets the
 * keystroke as a user's shell delivers it (SIGINT to the foreground process group). Only the CLI sees it (the
 * stack's processes have their own process groups): it cancels the run, waits for the teardown, reports
 * nothing left in the emulators and exits 130; a second Ctrl-C exits at once. No process it started outlives it.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { alive, descendants, groupAlive, type ProcessInfo, Terminal } from '../../support/terminal';
import { waitFor } from '../../support/wait-for';
import { CLI, ROOT } from '../support/cli';

const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

const SLOW_PIPELINE = [
  'name: slow',
  'inputs: { container: images, prefix: slow/ }',
  'outputs: { container: results }',
  'defaults: { cpu: 0.5, memoryGB: 1, retries: 0, timeout: 10m }',
  'steps:',
  '  - id: wait',
  '    image: busybox:1.36',
  "    command: ['sleep', '600']",
].join('\n');

interface SlowRun {
  readonly term: Terminal;
  /** Every process below the terminal's shell once the step runs: the CLI, Azurite, the host, the step. */
  readonly started: readonly ProcessInfo[];
  exitCode(timeoutMs: number): Promise<string>;
}

describe('flotilla run in a terminal', () => {
  let dir: string;
  const terms: Terminal[] = [];
  beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'flotilla-tty-'))));
  afterAll(() => {
    for (const term of terms) term.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Starts `flotilla run` of a one-step `sleep 600` pipeline in a new terminal; resolves once the step runs. */
  async function startSlowRun(name: string, extraArgs: string[] = []): Promise<SlowRun> {
    const spec = join(dir, `${name}.yaml`);
    writeFileSync(spec, SLOW_PIPELINE);
    const image = join(dir, 'one.bin');
    writeFileSync(image, 'x');
    const codeFile = join(dir, `${name}.exit-code`);
    const cli = [
      process.execPath,
      CLI,
      'run',
      spec,
      '--images',
      image,
      '--state',
      join(dir, name),
      ...extraArgs,
    ];
    // The shell's trap lets it outlive the SIGINT of its process group and record the CLI's exit code. The
    // step runs as a local process (FLOTILLA_LOCAL_ENGINE=process), so its `sleep 600` is a process below us.
    const command = `cd ${quote(ROOT)} && trap 'true' INT; FLOTILLA_LOCAL_ENGINE=process ${cli.map(quote).join(' ')}; echo $? > ${quote(codeFile)}`;
    const term = Terminal.open(`${name}-${process.pid}`, command);
    terms.push(term);
    const shell = term.panePid();
    // The step is running once its `sleep 600` is a process below the CLI.
    const started = await waitFor(
      () => {
        const below = descendants(shell);
        return below.some((p) => p.command === 'sleep 600') ? below : undefined;
      },
      { what: 'the step process (sleep 600) to start', timeoutMs: 150_000, intervalMs: 200 },
    );
    const exitCode = (timeoutMs: number) =>
      waitFor(() => existsSync(codeFile) && readFileSync(codeFile, 'utf8').trim(), {
        what: 'the CLI to exit after Ctrl-C',
        timeoutMs,
        intervalMs: 100,
      });
    return { term, started, exitCode };
  }

  function expectOwnProcessGroups(started: readonly ProcessInfo[]): void {
    const cli = started.find((p) => p.command.includes(`${CLI} run`));
    expect(cli).toBeDefined();
    const stack = started.filter((p) => p.pid !== cli?.pid);
    // Azurite, the Functions host and the step: each in a process group of its own, not the terminal's.
    expect(stack.length).toBeGreaterThanOrEqual(3);
    for (const p of stack) expect(p.pgid).not.toBe(cli?.pgid);
  }

  async function expectAllGone(started: readonly ProcessInfo[]): Promise<void> {
    const leftover = (p: ProcessInfo) => alive(p.pid) || groupAlive(p.pgid);
    await waitFor(() => !started.some(leftover), {
      what: 'every process of the run (and its process group) to be gone',
      timeoutMs: 10_000,
    }).catch((error: Error) => {
      const left = started.filter(leftover).map((p) => `${p.pid} (group ${p.pgid}) ${p.command}`);
      throw new Error(`${error.message}; still alive: ${left.join('; ')}`);
    });
  }

  it('Ctrl-C cancels the run, waits for its teardown and exits 130, leaving no process behind', async () => {
    const run = await startSlowRun('once');
    expectOwnProcessGroups(run.started);

    run.term.sendKeys('C-c');
    const code = await run.exitCode(150_000);
    const screen = run.term.screen();

    expect({ code }).toEqual({ code: '130' });
    expect(screen).toMatch(/cancelling run r-[0-9a-f]+ \(Ctrl-C again to stop at once\)/);
    expect(screen).not.toMatch(/cancel failed/);
    expect(screen).toMatch(/Run r-[0-9a-f]+ cancelled: 0 of 1 images succeeded, 0 failed, 1 cancelled/);
    expect(screen).toMatch(/Left in the emulators: 0 container groups, 0 active jobs, 0 tasks/);
    await expectAllGone(run.started);
  }, 330_000);

  it('a second Ctrl-C during a stuck teardown exits 130 at once and still leaves no process behind', async () => {
    // Deleting container groups never answers: the cancelled run cannot finish its teardown.
    const faults = join(dir, 'stuck-delete.json');
    writeFileSync(
      faults,
      JSON.stringify({ rules: [{ service: 'aci', operation: 'ContainerGroups_Delete', kind: 'hang' }] }),
    );
    const run = await startSlowRun('twice', ['--faults', faults]);

    run.term.sendKeys('C-c');
    await waitFor(() => /cancelling run r-[0-9a-f]+/.test(run.term.screen()), {
      what: 'the CLI to say it is cancelling',
      timeoutMs: 30_000,
      intervalMs: 100,
    });
    run.term.sendKeys('C-c');
    const code = await run.exitCode(20_000);
    const screen = run.term.screen();

    expect({ code }).toEqual({ code: '130' });
    expect(screen).toMatch(/stopping at once/);
    expect(screen).not.toMatch(/Run r-[0-9a-f]+ cancelled/);
    await expectAllGone(run.started);
  }, 330_000);
});
