import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { appendFileSync, chmodSync, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Clock } from './clock';
import { imageExists, type LocalEngine } from './engine';
import type { StepExecutor, StepOutcome, StepRun, StepSpec } from './executor';

/**
 * Container mode (docs/emulators.md, 'Executor modes'): every step runs as a real container of its image in the
 * local docker or podman (`run --pull never`: nothing is pulled). `mounts` are bind mounts, the environment
 * goes by name (`-e NAME`, values in the engine client's environment, never on a command line), resource
 * requests become `--cpus` / `--memory`, and the network is the host's, so steps reach the stack's loopback
 * services as ACI and Batch containers reach Azure's. Every container carries `flotilla.emulator=<stack id>`
 * and `flotilla.pid=<pid>` labels, so leftovers of a dead stack are found and removed (`removeLeftovers`).
 */
export interface ContainerExecutorOptions {
  readonly engine: LocalEngine;
  /** Value of the `flotilla.emulator` label. */
  readonly stackId: string;
  /** Variables every container gets (what the host provides, e.g. NODE_EXTRA_CA_CERTS). */
  readonly hostEnv?: Readonly<Record<string, string>>;
  /** Host files bind-mounted read-only at the same path (e.g. the certificate NODE_EXTRA_CA_CERTS names). */
  readonly hostFiles?: readonly string[];
}

export const EMULATOR_LABEL = 'flotilla.emulator';
export const PID_LABEL = 'flotilla.pid';
const MAX_LOG_BYTES = 4 * 1024 * 1024;
const IMAGE_CACHE_MS = 30_000;

export class ContainerExecutor implements StepExecutor {
  private readonly live = new Set<string>();
  private readonly images = new Map<string, number>();
  private readonly cidDir = join(tmpdir(), `flotilla-cid-${process.pid}`);
  private counter = 0;

  constructor(
    private readonly clock: Clock,
    readonly options: ContainerExecutorOptions,
  ) {}

  get engineName(): string {
    return this.options.engine.engine;
  }

  /** Whether the engine has `image` locally (present answers are kept 30 s, absent ones are asked again). */
  hasImage(image: string): boolean {
    const seen = this.images.get(image);
    if (seen !== undefined && Date.now() - seen < IMAGE_CACHE_MS) return true;
    const present = imageExists(this.engineName, this.options.engine.global, image);
    if (present) this.images.set(image, Date.now());
    return present;
  }

  /** The image's configured user as `uid[:gid]` when numeric, else undefined (a name, or root). */
  imageUser(image: string): { uid: number; gid: number } | undefined {
    const result = spawnSync(
      this.engineName,
      [...this.options.engine.global, 'image', 'inspect', '--format', '{{.Config.User}}', image],
      { encoding: 'utf8', timeout: 60_000 },
    );
    const match = /^(\d+)(?::(\d+))?$/.exec((result.stdout ?? '').trim());
    return match ? { uid: Number(match[1]), gid: Number(match[2] ?? match[1]) } : undefined;
  }

  start(spec: StepSpec): StepRun {
    if (!spec.image) throw new Error('ContainerExecutor.start: spec.image is required in container mode');
    this.counter += 1;
    const name = `flotilla-${this.options.stackId}-${this.counter}-${randomBytes(3).toString('hex')}`;
    mkdirSync(this.cidDir, { recursive: true });
    const cidFile = join(this.cidDir, `${name}.cid`);
    // The engine client's working folder, one per container: podman's conmon writes an empty file `oom`
    // into it when the kernel kills the container for its memory (it would land in the caller's folder).
    const clientDir = join(this.cidDir, name);
    mkdirSync(clientDir, { recursive: true });
    for (const folder of Object.values(spec.mounts)) {
      if (!existsSync(folder)) mkdirSync(folder, { recursive: true });
      chmodSync(folder, 0o777);
    }
    const hostEnv = this.options.hostEnv ?? {};
    const env = { ...hostEnv, ...spec.env };
    const args = [
      ...this.options.engine.global,
      'run',
      '--name',
      name,
      '--cidfile',
      cidFile,
      '--label',
      `${EMULATOR_LABEL}=${this.options.stackId}`,
      '--label',
      `${PID_LABEL}=${process.pid}`,
      ...Object.entries(spec.labels ?? {}).flatMap(([k, v]) => ['--label', `${k}=${v}`]),
      '--pull',
      'never',
      '--network',
      'host',
      ...(this.engineName === 'podman' ? ['--http-proxy=false'] : []),
      ...this.options.engine.run,
      ...(spec.cpus ? ['--cpus', String(spec.cpus)] : []),
      ...(spec.memoryBytes
        ? ['--memory', `${Math.max(6 * 1024 * 1024, Math.round(spec.memoryBytes))}b`]
        : []),
      ...(spec.containerWorkDir ? ['--workdir', spec.containerWorkDir] : []),
      ...(this.options.hostFiles ?? []).flatMap((file) => ['-v', `${file}:${file}:ro`]),
      ...Object.entries(spec.mounts).flatMap(([path, host]) => ['-v', `${host}:${path}`]),
      ...Object.keys(env).flatMap((key) => ['-e', key]),
      ...(spec.replaceEntrypoint && spec.command.length ? ['--entrypoint', spec.command[0] ?? ''] : []),
      spec.image,
      ...(spec.replaceEntrypoint ? spec.command.slice(1) : spec.command),
    ];
    const startedAt = this.clock.now();
    let log = '';
    let finished: StepOutcome | undefined;
    let killed: { reason: string; exitCode?: number } | undefined;
    const append = (chunk: Buffer | string) => {
      log += chunk.toString();
      if (log.length > MAX_LOG_BYTES) log = log.slice(log.length - MAX_LOG_BYTES);
    };
    const child = spawn(this.engineName, args, {
      cwd: clientDir,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.live.add(name);
    const tee = (target: string | undefined) => (chunk: Buffer) => {
      append(chunk);
      if (target) appendFileSync(target, chunk);
    };
    child.stdout.on('data', tee(spec.stdoutFile));
    child.stderr.on('data', tee(spec.stderrFile));
    const oom = spec.memoryBytes ? new OomWatch(cidFile) : undefined;
    const remove = () => this.removeAsync(name);
    const kill = (reason = 'killed', exitCode?: number) => {
      if (finished || killed) return;
      killed = { reason, ...(exitCode !== undefined ? { exitCode } : {}) };
      // Removing kills the container; a container not created yet when this runs is removed once the
      // engine client ends (it cannot outlive it: the client is killed too).
      void remove().then(() => child.kill('SIGKILL'));
    };
    const timer =
      spec.timeoutMs !== undefined ? setTimeout(() => kill('timeout'), spec.timeoutMs).unref() : undefined;
    const done = new Promise<StepOutcome>((resolve) => {
      const finish = (exitCode: number, reason?: string) => {
        if (finished) return;
        if (timer) clearTimeout(timer);
        oom?.stop();
        finished = { exitCode, startedAt, finishedAt: this.clock.now(), ...(reason ? { reason } : {}) };
        resolve(finished);
      };
      child.once('error', (error) => {
        append(`${this.engineName} run: ${error.message}\n`);
        finish(125, 'error');
      });
      child.once('close', (code) => {
        void (async () => {
          if (killed) {
            await remove();
            finish(killed.exitCode ?? 137, killed.reason);
            return;
          }
          const state = await this.inspect(name);
          const conmonSawOom = existsSync(join(clientDir, 'oom'));
          await remove();
          const exitCode = state?.exitCode ?? code ?? 125;
          const oomKilled =
            exitCode === 137 && (state?.oomKilled === true || (oom?.killed() ?? false) || conmonSawOom);
          finish(exitCode, oomKilled ? 'oom' : undefined);
        })();
      });
    });
    return { startedAt, done, outcome: () => finished, logs: () => log, kill };
  }

  /** Exit code and OOMKilled as the engine reports them, or undefined if it does not know the container. */
  private inspect(name: string): Promise<{ exitCode: number; oomKilled: boolean } | undefined> {
    return new Promise((resolve) => {
      const child = spawn(
        this.engineName,
        [
          ...this.options.engine.global,
          'inspect',
          '--format',
          '{{.State.ExitCode}} {{.State.OOMKilled}}',
          name,
        ],
        { stdio: ['ignore', 'pipe', 'ignore'] },
      );
      let out = '';
      child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
      child.once('error', () => resolve(undefined));
      child.once('close', (code) => {
        const match = /^(-?\d+) (true|false)/.exec(out.trim());
        resolve(
          code === 0 && match ? { exitCode: Number(match[1]), oomKilled: match[2] === 'true' } : undefined,
        );
      });
    });
  }

  private removeArgs(names: readonly string[]): string[] {
    const force = this.engineName === 'podman' ? ['-f', '-t', '0'] : ['-f'];
    return [...this.options.engine.global, 'rm', ...force, ...names];
  }

  private removeAsync(name: string): Promise<void> {
    return new Promise((resolve) => {
      const child = spawn(this.engineName, this.removeArgs([name]), { stdio: 'ignore' });
      child.once('error', () => resolve());
      child.once('close', () => {
        this.live.delete(name);
        rmSync(join(this.cidDir, `${name}.cid`), { force: true });
        rmSync(join(this.cidDir, name), { recursive: true, force: true });
        resolve();
      });
    });
  }

  /** Removes every container this executor started that is still there (synchronously: safe on exit). */
  removeAll(): void {
    const names = [...this.live];
    if (names.length)
      spawnSync(this.engineName, this.removeArgs(names), { stdio: 'ignore', timeout: 120_000 });
    this.live.clear();
    rmSync(this.cidDir, { recursive: true, force: true });
  }
}

/**
 * Watches the memory cgroup of a running container for a kernel OOM kill (`oom_kill` in cgroup v1's
 * memory.oom_control or v2's memory.events), for engines that do not report OOMKilled themselves: podman 4.3
 * on a cgroup v1 host says `OOMKilled: false` for a container the kernel killed for exceeding `--memory`.
 */
class OomWatch {
  private path: string | undefined;
  private count = 0;
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly cidFile: string) {
    this.timer = setInterval(() => this.poll(), 25);
    this.timer.unref();
  }

  private poll(): void {
    try {
      if (!this.path) {
        const id = readFileSync(this.cidFile, 'utf8').trim();
        if (!id) return;
        this.path = cgroupCandidates(id).find((file) => existsSync(file));
        if (!this.path) return;
      }
      const match = /oom_kill (\d+)/.exec(readFileSync(this.path, 'utf8'));
      if (match) this.count = Math.max(this.count, Number(match[1]));
    } catch {
      // not created yet, or already removed
    }
  }

  killed(): boolean {
    this.poll();
    return this.count > 0;
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

const CGROUP = '/sys/fs/cgroup';
const cgroupCandidates = (id: string): string[] => [
  `${CGROUP}/memory/libpod_parent/libpod-${id}/memory.oom_control`,
  `${CGROUP}/memory/machine.slice/libpod-${id}.scope/memory.oom_control`,
  `${CGROUP}/memory/docker/${id}/memory.oom_control`,
  `${CGROUP}/memory/system.slice/docker-${id}.scope/memory.oom_control`,
  `${CGROUP}/machine.slice/libpod-${id}.scope/memory.events`,
  `${CGROUP}/libpod_parent/libpod-${id}/memory.events`,
  `${CGROUP}/system.slice/docker-${id}.scope/memory.events`,
];

/**
 * Removes containers of stacks that are gone: any labelled `flotilla.emulator` whose `flotilla.pid` process is
 * no longer alive (a stack killed with SIGKILL cannot remove its own). Returns the names removed.
 */
export function removeLeftovers(engine: LocalEngine): string[] {
  const format =
    engine.engine === 'podman'
      ? `{{.Names}}\t{{index .Labels "${PID_LABEL}"}}`
      : `{{.Names}}\t{{.Label "${PID_LABEL}"}}`;
  const listed = spawnSync(
    engine.engine,
    [...engine.global, 'ps', '-a', '--filter', `label=${EMULATOR_LABEL}`, '--format', format],
    { encoding: 'utf8', timeout: 60_000 },
  );
  const dead = (listed.stdout ?? '')
    .split('\n')
    .map((line) => line.split('\t'))
    .filter(([name, pid]) => name && !alive(Number(pid)))
    .map(([name]) => name as string);
  if (dead.length) {
    const force = engine.engine === 'podman' ? ['-f', '-t', '0'] : ['-f'];
    spawnSync(engine.engine, [...engine.global, 'rm', ...force, ...dead], {
      stdio: 'ignore',
      timeout: 120_000,
    });
  }
  return dead;
}

function alive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
