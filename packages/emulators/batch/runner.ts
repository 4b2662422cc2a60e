import type { MatchedFault } from '../common/faults';
import type { FailureInfo, TaskRecord } from './model';
import type { BatchState } from './state';
import { type OutputFile, matchVirtualFiles, uploadOutputFiles } from './blob-transfer';
import { failure } from './failure';

/** How one attempt of a task ended. No exitCode when it failed before the command ran. */
export interface AttemptOutcome {
  readonly exitCode?: number;
  readonly failureInfo?: FailureInfo;
  /** 'timeout', 'killed', 'oom', ... when it ended other than by itself. */
  readonly reason?: string;
}

export interface AttemptHandle {
  readonly done: Promise<AttemptOutcome>;
  kill(reason: string, exitCode?: number): void;
}

/** A file or folder of a task directory, as File_ListFromTask and File_GetPropertiesFromTask report it. */
export interface TaskFile {
  readonly path: string;
  readonly isDirectory: boolean;
  readonly size: number;
  readonly created: number;
  readonly modified: number;
  /** Unix mode bits (`0o100644`). */
  readonly mode: number;
}

/** Runs attempts of tasks: as local processes, or simulated. */
export interface TaskRunner {
  start(task: TaskRecord, nodeId: string, fault: MatchedFault | undefined): AttemptHandle;
  /** After the last attempt: upload output files. Returns a failure if an upload failed. */
  finish(task: TaskRecord, success: boolean): Promise<FailureInfo | undefined>;
  /** A file of the task, relative to its task directory (`stdout.txt`, `wd/out/a.txt`). */
  readFile(task: TaskRecord, path: string): Promise<Buffer | undefined>;
  /** Files and folders of the task's directory (paths relative to it, `/`-separated), once it has a node. */
  listFiles(task: TaskRecord): Promise<TaskFile[]>;
  /** Forget everything on disk for a removed job (best effort). */
  removeJob(jobId: string): void;
}

export { failure };

/** An attempt that ends at a time on the clock with a fixed outcome, or never (until killed). */
export function scheduledAttempt(
  state: BatchState,
  afterMs: number | undefined,
  outcome: AttemptOutcome,
): AttemptHandle {
  let resolve!: (o: AttemptOutcome) => void;
  const done = new Promise<AttemptOutcome>((r) => (resolve = r));
  let settled = false;
  const settle = (o: AttemptOutcome) => {
    if (settled) return;
    settled = true;
    cancel();
    resolve(o);
  };
  const cancel =
    afterMs === undefined ? () => undefined : state.timeline.after(afterMs, () => settle(outcome));
  return { done, kill: (reason, exitCode = 137) => settle({ exitCode, reason }) };
}

/** How Batch ends a task whose image cannot be pulled: no exit code, a ContainerInvalidImage failure. */
export function inaccessibleImageAttempt(
  state: BatchState,
  imageName: string | undefined,
  afterMs: number,
): AttemptHandle {
  return scheduledAttempt(state, afterMs, {
    failureInfo: failure(
      'ContainerInvalidImage',
      'One or more container images specified are invalid',
      'usererror',
      [{ name: 'ContainerImage', value: imageName ?? '' }],
    ),
  });
}

/**
 * The attempt a run fault (F15 in docs/emulators.md, 'Failure catalogue'; faults.ts) turns into, if it
 * replaces the real run.
 */
export function faultAttempt(
  state: BatchState,
  fault: MatchedFault | undefined,
  imageName: string | undefined,
  normalDurationMs: number,
): AttemptHandle | undefined {
  switch (fault?.kind) {
    case 'inaccessible-image':
      return inaccessibleImageAttempt(state, imageName, fault.delayMs ?? 0);
    case 'oom':
      return scheduledAttempt(state, fault.delayMs ?? 0, { exitCode: 137, reason: 'oom' });
    case 'exit-code':
      return scheduledAttempt(state, fault.delayMs ?? normalDurationMs, { exitCode: fault.exitCode ?? 1 });
    case 'never-finishes':
      return scheduledAttempt(state, undefined, { exitCode: 0 });
    default:
      return undefined;
  }
}

/** Simulate mode: no folders, no processes. */
export class SimulatedRunner implements TaskRunner {
  constructor(private readonly state: BatchState) {}

  start(task: TaskRecord, _nodeId: string, fault: MatchedFault | undefined): AttemptHandle {
    const settings = this.state.settings;
    const container = task.spec.containerSettings as { imageName?: string } | undefined;
    const plan = settings.simulate({
      jobId: task.job.id,
      taskId: task.id,
      commandLine: (task.spec.commandLine as string | undefined) ?? '',
      imageName: container?.imageName,
      attempt: task.exec.retryCount + task.exec.requeueCount,
    });
    task.simulatedStdout = plan.stdout;
    task.simulatedStderr = plan.stderr;
    return (
      faultAttempt(this.state, fault, container?.imageName, plan.durationMs) ??
      scheduledAttempt(this.state, plan.durationMs, { exitCode: plan.exitCode })
    );
  }

  /**
   * Uploads what the task directory holds (`stdout.txt`, `stderr.txt`; `wd` is empty) as its output files
   * say, with the container URL and SAS they carry, as Batch does: a refused SAS fails the task.
   */
  finish(task: TaskRecord, success: boolean): Promise<FailureInfo | undefined> {
    const outputs = (task.spec.outputFiles as OutputFile[] | undefined) ?? [];
    if (!outputs.length || !task.nodeId) return Promise.resolve(undefined);
    const files = {
      'stdout.txt': Buffer.from(task.simulatedStdout ?? ''),
      'stderr.txt': Buffer.from(task.simulatedStderr ?? ''),
    };
    return uploadOutputFiles(outputs, (pattern) => matchVirtualFiles(files, pattern), success);
  }

  readFile(task: TaskRecord, path: string): Promise<Buffer | undefined> {
    if (path === 'stdout.txt') return Promise.resolve(Buffer.from(task.simulatedStdout ?? ''));
    if (path === 'stderr.txt') return Promise.resolve(Buffer.from(task.simulatedStderr ?? ''));
    return Promise.resolve(undefined);
  }

  /** `stdout.txt`, `stderr.txt` and an empty `wd` folder, timed by the attempt. */
  listFiles(task: TaskRecord): Promise<TaskFile[]> {
    if (!task.nodeId) return Promise.resolve([]);
    const created = task.exec.startTime ?? task.creationTime;
    const modified = task.exec.endTime ?? this.state.now();
    const file = (path: string, text: string | undefined): TaskFile => ({
      path,
      isDirectory: false,
      size: Buffer.byteLength(text ?? ''),
      created,
      modified,
      mode: 0o100644,
    });
    return Promise.resolve([
      file('stderr.txt', task.simulatedStderr),
      file('stdout.txt', task.simulatedStdout),
      { path: 'wd', isDirectory: true, size: 0, created, modified: created, mode: 0o40755 },
    ]);
  }

  removeJob(): void {}
}
