import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Clock } from '../common/clock';
import {
  ProcessExecutor,
  SimulatedExecutor,
  type StepExecutor,
  type StepOutcome,
  type StepRun,
} from '../common/executor';
import type { FaultInjector } from '../common/faults';
import { iso, type ContainerState, type GroupState } from './group';
import { truncateStoppedLog } from './logs';
import type { AciEmulatorOptions, AciStepSpec } from './options';
import { globMatch } from '../common/glob';
import { UsageMeter } from '../common/meter';

type Obj = Record<string, unknown>;
const RUN_FAULTS = ['oom', 'never-finishes', 'exit-code'] as const;

/**
 * Runs the containers of a group once it is provisioned: init containers one after another (each must exit 0),
 * then the main containers together; applies the restart policy; keeps exit codes and the stopped-log tail.
 */
export class GroupRuntime {
  private readonly executor: StepExecutor;
  /** Run time of every container that ran, by container name (what ACI would bill). */
  readonly meter = new UsageMeter();

  constructor(
    private readonly clock: Clock,
    private readonly options: AciEmulatorOptions,
    private readonly faults: FaultInjector,
    private readonly onFault: (id: string) => void,
  ) {
    if (options.mode === 'container' && !options.containers)
      throw new Error('startAciEmulator: mode "container" needs the `containers` executor');
    this.executor =
      options.mode === 'container' && options.containers
        ? options.containers
        : options.mode === 'process'
          ? new ProcessExecutor(clock, options.processEnv)
          : new SimulatedExecutor(clock, (spec) =>
              options.simulate ? options.simulate(spec as AciStepSpec) : { durationMs: 1000, exitCode: 0 },
            );
  }

  /** Schedules the containers to start when provisioning ends (unless provisioning fails). */
  provision(g: GroupState): void {
    const generation = g.generation;
    if (g.provisionError) return;
    this.clock.schedule(g.provisionedAt, () => {
      if (g.generation === generation) void this.runAll(g, generation);
    });
  }

  /** Starts the containers again right away (restart): the current state becomes `previousState`. */
  restart(g: GroupState): void {
    this.killAll(g, 'Killed');
    g.generation += 1;
    const now = this.clock.now();
    for (const c of g.containers) {
      if (c.startedAt !== undefined)
        c.previousState = {
          state: 'Terminated',
          startTime: iso(c.startedAt),
          finishTime: iso(c.finishedAt ?? now),
          exitCode: c.exitCode ?? 137,
          detailStatus: c.detail ?? 'Killed',
        };
      c.restartCount += c.startedAt !== undefined ? 1 : 0;
      resetContainer(c);
    }
    g.stoppedAt = undefined;
    const generation = g.generation;
    void this.runAll(g, generation);
  }

  stop(g: GroupState): void {
    g.stoppedAt = this.clock.now();
    this.killAll(g, 'Killed');
  }

  /** Forgets every run of the group and removes its folder. */
  destroy(g: GroupState): void {
    g.generation += 1;
    this.killAll(g, 'Killed');
    if (g.folder) rmSync(g.folder, { recursive: true, force: true });
  }

  private killAll(g: GroupState, detail: string): void {
    const now = this.clock.now();
    for (const c of g.containers) {
      if (!c.run) continue;
      const run = c.run;
      if (!run.outcome()) {
        this.finish(c, { exitCode: 137, startedAt: run.startedAt, finishedAt: now, reason: 'killed' }, run);
        c.detail = detail;
        run.kill('killed', 137);
      }
    }
  }

  private async runAll(g: GroupState, generation: number): Promise<void> {
    for (const c of g.containers.filter((x) => x.init)) {
      const outcome = await this.runOnce(g, c, generation);
      if (!outcome || g.generation !== generation || outcome.exitCode !== 0) return;
    }
    await Promise.all(g.containers.filter((x) => !x.init).map((c) => this.runWithPolicy(g, c, generation)));
  }

  private async runWithPolicy(g: GroupState, c: ContainerState, generation: number): Promise<void> {
    for (;;) {
      const outcome = await this.runOnce(g, c, generation);
      if (!outcome || g.generation !== generation || g.stoppedAt !== undefined) return;
      const again =
        g.restartPolicy === 'Always' ||
        (g.restartPolicy === 'OnFailure' && outcome.exitCode !== 0) ||
        this.platformRestart(g, c, outcome.exitCode);
      if (!again) return;
      await new Promise<void>((resolve) =>
        this.clock.schedule(this.clock.now() + (this.options.restartBackoffMs ?? 10_000), resolve),
      );
      if (g.generation !== generation || g.stoppedAt !== undefined) return;
      c.previousState = {
        state: 'Terminated',
        startTime: iso(c.startedAt ?? outcome.startedAt),
        finishTime: iso(outcome.finishedAt),
        exitCode: outcome.exitCode,
        detailStatus: c.detail ?? 'Error',
      };
      c.restartCount += 1;
      resetContainer(c);
    }
  }

  /** F11: the platform restarts a failed container once even under Never (a `platform-restart` fault). */
  private platformRestart(g: GroupState, c: ContainerState, exitCode: number): boolean {
    if (exitCode === 0 || c.restartCount > 0 || g.restartPolicy !== 'Never') return false;
    const fault = this.faults.match('aci', 'Run', `${g.name}/${c.name}`, ['platform-restart']);
    if (fault) this.onFault(fault.id);
    return fault !== undefined;
  }

  private async runOnce(
    g: GroupState,
    c: ContainerState,
    generation: number,
  ): Promise<StepOutcome | undefined> {
    if (g.generation !== generation || g.stoppedAt !== undefined) return undefined;
    const run = this.start(g, c);
    c.run = run;
    c.startedAt = run.startedAt;
    const outcome = await run.done;
    if (g.generation !== generation) return undefined;
    if (c.run === run && c.finishedAt === undefined) this.finish(c, outcome, run);
    return { ...outcome, exitCode: c.exitCode ?? outcome.exitCode };
  }

  private finish(c: ContainerState, outcome: StepOutcome, run: StepRun): void {
    c.finishedAt = outcome.finishedAt;
    c.exitCode = outcome.exitCode;
    this.meter.add(c.name, outcome.finishedAt - (c.startedAt ?? outcome.startedAt), c.cpu, c.memoryInGB);
    c.detail = outcome.reason === 'oom' ? 'OOMKilled' : outcome.exitCode === 0 ? 'Completed' : 'Error';
    c.logs = truncateStoppedLog(run.logs());
    c.run = undefined;
  }

  private start(g: GroupState, c: ContainerState): StepRun {
    const spec = this.stepSpec(g, c);
    const fault = this.faults.match('aci', 'Run', `${g.name}/${c.name}`, RUN_FAULTS);
    if (fault) this.onFault(fault.id);
    if (fault?.kind === 'never-finishes' || fault?.kind === 'exit-code') {
      const plan = {
        durationMs: fault.kind === 'never-finishes' ? Number.POSITIVE_INFINITY : (fault.delayMs ?? 0),
        exitCode: fault.exitCode ?? 1,
      };
      return new SimulatedExecutor(this.clock, () => plan).start(spec);
    }
    if (!c.command?.length && this.options.mode !== 'container') {
      return new SimulatedExecutor(this.clock, () => ({
        durationMs: 0,
        exitCode: 0,
        logs: `no command given: the entrypoint of image ${c.image} is not emulated\n`,
      })).start(spec);
    }
    const run = this.executor.start(spec);
    if (fault?.kind === 'oom') {
      this.clock.schedule(this.clock.now() + (fault.delayMs ?? 0), () => run.kill('oom', 137));
    }
    return run;
  }

  private stepSpec(g: GroupState, c: ContainerState): AciStepSpec {
    const def = findContainer(g.body, c.name, c.init);
    const env: Record<string, string> = {};
    for (const e of asArray(def.environmentVariables)) {
      const v = e as Obj;
      if (typeof v.name === 'string')
        env[v.name] =
          typeof v.secureValue === 'string' ? v.secureValue : typeof v.value === 'string' ? v.value : '';
    }
    const base = { group: g.name, container: c.name, image: c.image, init: c.init, env };
    if (this.options.mode === 'simulate')
      return { ...base, command: c.command ?? [], mounts: {}, workDir: '' };
    const folder = (g.folder ??= join(this.options.workRoot, `${g.name}-${g.createdAt.toString(36)}`));
    const mounts: Record<string, string> = {};
    const container = this.options.mode === 'container';
    for (const [glob, extra] of Object.entries(container ? {} : (this.options.imageMounts ?? {})))
      if (globMatch(glob, c.image)) Object.assign(mounts, extra);
    for (const m of asArray(def.volumeMounts)) {
      const { name, mountPath } = m as Obj;
      if (typeof name === 'string' && typeof mountPath === 'string')
        mounts[mountPath] = this.volumeFolder(g, folder, name);
    }
    const workDir = join(folder, 'containers', c.name);
    if (!container) return { ...base, command: c.command ?? [], mounts, workDir };
    return { ...base, command: c.command ?? [], mounts, workDir, ...containerLimits(def, g.name, c.name) };
  }

  private volumeFolder(g: GroupState, folder: string, name: string): string {
    const props = (g.body.properties ?? {}) as Obj;
    const volume = asArray(props.volumes).find((v) => (v as Obj).name === name) as Obj | undefined;
    const azureFile = volume?.azureFile as Obj | undefined;
    if (azureFile)
      return join(
        this.options.workRoot,
        'azurefile',
        String(azureFile.storageAccountName),
        String(azureFile.shareName),
      );
    const path = join(folder, 'volumes', name);
    const secret = volume?.secret as Obj | undefined;
    if (secret) {
      mkdirSync(path, { recursive: true });
      for (const [file, content] of Object.entries(secret))
        writeFileSync(join(path, file), Buffer.from(String(content), 'base64'), {
          // A container's user (often not root) must read it, as it can on ACI.
          mode: this.options.mode === 'container' ? 0o644 : 0o600,
        });
    }
    return path;
  }
}

/** Container mode: `--cpus` / `--memory` from the limits (else the requests), and labels naming the group. */
function containerLimits(def: Obj, group: string, container: string) {
  const resources = (def.resources ?? {}) as Obj;
  const pick = (key: 'cpu' | 'memoryInGB'): number | undefined => {
    for (const part of [resources.limits, resources.requests]) {
      const value = Number(((part ?? {}) as Obj)[key]);
      if (Number.isFinite(value) && value > 0) return value;
    }
    return undefined;
  };
  const cpu = pick('cpu');
  const memoryInGB = pick('memoryInGB');
  return {
    ...(cpu ? { cpus: cpu } : {}),
    ...(memoryInGB ? { memoryBytes: Math.round(memoryInGB * 1024 ** 3) } : {}),
    labels: { 'flotilla.aci.group': group, 'flotilla.aci.container': container },
    replaceEntrypoint: true,
  };
}

function resetContainer(c: ContainerState): void {
  c.run = undefined;
  c.startedAt = undefined;
  c.finishedAt = undefined;
  c.exitCode = undefined;
  c.detail = undefined;
  c.logs = undefined;
}

const asArray = (v: unknown): unknown[] => (Array.isArray(v) ? (v as unknown[]) : []);

export function findContainer(body: Obj, name: string, init: boolean): Obj {
  const props = (body.properties ?? {}) as Obj;
  const list = asArray(init ? props.initContainers : props.containers);
  const found = list.find((c) => (c as Obj).name === name) as Obj | undefined;
  return ((found?.properties ?? {}) as Obj) ?? {};
}
