import { spawn } from 'node:child_process';
import { appendFileSync, mkdirSync } from 'node:fs';
import type { Clock } from './clock';
import { killWithThisProcess } from './child-guard';

/**
 * Runs a container step without a container: as a local process whose container paths (`/flotilla/in`,
 * `/flotilla/out`, a volume's mount path, ...) are mapped to host folders, or, in simulate mode, as no process
 * at all. The image is not pulled; the command must exist on this machine (node, sh, python, ...).
 */
export interface StepSpec {
  /** argv, exec form: no shell unless the command invokes one, as in a container. */
  readonly command: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  /** Container path prefix -> host folder. The longest prefix wins; applied to argv and env values. */
  readonly mounts: Readonly<Record<string, string>>;
  /** Host folder used as the working directory. */
  readonly workDir: string;
  /** Kill the step after this long (wall clock of the process). */
  readonly timeoutMs?: number;
  /** Also append the process's stdout / stderr to these files (Batch keeps stdout.txt and stderr.txt apart). */
  readonly stdoutFile?: string;
  readonly stderrFile?: string;
  /** Container mode (docs/emulators.md, 'Executor modes'): the image to run; `mounts` become bind mounts. */
  readonly image?: string;
  /** Container mode: `--cpus` and `--memory` (bytes) from the step's resource requests. */
  readonly cpus?: number;
  readonly memoryBytes?: number;
  /** Container mode: the working directory inside the container (default: the image's). */
  readonly containerWorkDir?: string;
  /**
   * Container mode: `command` replaces the image's ENTRYPOINT (ACI's `command`, like Kubernetes') instead of
   * being passed to it as arguments (Batch's command line, like `docker run image args`).
   */
  readonly replaceEntrypoint?: boolean;
  /** Container mode: labels naming what the container belongs to (group, job, task). */
  readonly labels?: Readonly<Record<string, string>>;
}

export interface StepOutcome {
  readonly exitCode: number;
  readonly startedAt: number;
  readonly finishedAt: number;
  /** Why the step ended other than by itself: 'killed', 'timeout', 'not-found', 'oom'. */
  readonly reason?: string;
}

export interface StepRun {
  readonly startedAt: number;
  readonly done: Promise<StepOutcome>;
  /** The outcome once finished, else undefined. */
  outcome(): StepOutcome | undefined;
  /** stdout and stderr interleaved, as a container runtime keeps them. */
  logs(): string;
  kill(reason?: string, exitCode?: number): void;
}

export interface StepExecutor {
  start(spec: StepSpec): StepRun;
}

const MAX_LOG_BYTES = 4 * 1024 * 1024;

/** Rewrites container paths inside a string: `/flotilla/in/a.tif` -> `<host>/in/a.tif`. */
export function mapContainerPaths(value: string, mounts: Readonly<Record<string, string>>): string {
  const prefixes = Object.keys(mounts).sort((a, b) => b.length - a.length);
  if (!prefixes.length) return value;
  const pattern = new RegExp(
    `(^|[\\s='"\`:])(${prefixes.map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|')})(?=$|[/\\s'"\`:;])`,
    'g',
  );
  return value.replace(pattern, (_m, lead: string, prefix: string) => `${lead}${mounts[prefix]}`);
}

export class ProcessExecutor implements StepExecutor {
  /**
   * `hostEnv`: variables every step process gets before its own environment, standing for what the container
   * host or image provides (e.g. NODE_EXTRA_CA_CERTS so steps trust the embedded stack's certificate).
   */
  constructor(
    private readonly clock: Clock,
    private readonly hostEnv: Readonly<Record<string, string>> = {},
  ) {}

  start(spec: StepSpec): StepRun {
    mkdirSync(spec.workDir, { recursive: true });
    for (const folder of Object.values(spec.mounts)) mkdirSync(folder, { recursive: true });
    const argv = spec.command.map((a) => mapContainerPaths(a, spec.mounts));
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: spec.workDir,
      ...this.hostEnv,
    };
    for (const [k, v] of Object.entries(spec.env)) env[k] = mapContainerPaths(v, spec.mounts);
    const startedAt = this.clock.now();
    let log = '';
    let finished: StepOutcome | undefined;
    let killReason: string | undefined;
    let killExitCode: number | undefined;
    const append = (chunk: Buffer | string) => {
      log += chunk.toString();
      if (log.length > MAX_LOG_BYTES) log = log.slice(log.length - MAX_LOG_BYTES);
    };
    const [file, ...args] = argv;
    // Its own process group, so that kill() also ends what a shell started (`sh -c "sleep 30; ..."`), whose
    // children would otherwise keep the output pipes open.
    const child = spawn(file ?? '', args, {
      cwd: spec.workDir,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    // Detached children outlive their parent unless killed: end the group when this process exits.
    killWithThisProcess(child);
    const tee = (target: string | undefined) => (chunk: Buffer) => {
      append(chunk);
      if (target) appendFileSync(target, chunk);
    };
    child.stdout.on('data', tee(spec.stdoutFile));
    child.stderr.on('data', tee(spec.stderrFile));
    const timer =
      spec.timeoutMs !== undefined ? setTimeout(() => kill('timeout'), spec.timeoutMs).unref() : undefined;
    const done = new Promise<StepOutcome>((resolve) => {
      const finish = (exitCode: number, reason?: string) => {
        if (finished) return;
        if (timer) clearTimeout(timer);
        finished = { exitCode, startedAt, finishedAt: this.clock.now(), ...(reason ? { reason } : {}) };
        resolve(finished);
      };
      child.once('error', (error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT' || error.code === 'EACCES') {
          const message = `exec ${file ?? ''}: ${error.code === 'ENOENT' ? 'not found' : 'permission denied'}\n`;
          append(message);
          if (spec.stderrFile) appendFileSync(spec.stderrFile, message);
          finish(error.code === 'ENOENT' ? 127 : 126, 'not-found');
        } else {
          append(`exec ${file ?? ''}: ${error.message}\n`);
          finish(128, 'error');
        }
      });
      child.once('close', (code, signal) => {
        if (killReason) finish(killExitCode ?? 137, killReason);
        else finish(code ?? (signal ? 128 + (signalNumber[signal] ?? 9) : 1));
      });
    });
    const kill = (reason = 'killed', exitCode?: number) => {
      if (finished || killReason) return;
      killReason = reason;
      killExitCode = exitCode;
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
        else child.kill('SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    };
    return { startedAt, done, outcome: () => finished, logs: () => log, kill };
  }
}

const signalNumber: Record<string, number> = { SIGKILL: 9, SIGTERM: 15, SIGINT: 2, SIGSEGV: 11 };

export interface SimulatedStep {
  readonly durationMs: number;
  readonly exitCode: number;
  readonly logs?: string;
}

/** Simulate mode: nothing runs; the step ends after a configured time with a configured exit code. */
export class SimulatedExecutor implements StepExecutor {
  constructor(
    private readonly clock: Clock,
    private readonly plan: (spec: StepSpec) => SimulatedStep = () => ({ durationMs: 1000, exitCode: 0 }),
  ) {}

  start(spec: StepSpec): StepRun {
    const { durationMs, exitCode, logs = '' } = this.plan(spec);
    const startedAt = this.clock.now();
    let finished: StepOutcome | undefined;
    let resolveDone!: (o: StepOutcome) => void;
    const done = new Promise<StepOutcome>((resolve) => (resolveDone = resolve));
    const finish = (code: number, reason?: string) => {
      if (finished) return;
      timer.cancel();
      finished = { exitCode: code, startedAt, finishedAt: this.clock.now(), ...(reason ? { reason } : {}) };
      resolveDone(finished);
    };
    const timer = this.clock.schedule(startedAt + durationMs, () => finish(exitCode));
    return {
      startedAt,
      done,
      outcome: () => finished,
      logs: () => logs,
      kill: (reason = 'killed', code = 137) => finish(code, reason),
    };
  }
}
