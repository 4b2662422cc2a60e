/**
 * Batch steps in bulk (docs/orchestration.md): the image orchestration runs its ready Batch steps itself, no
 * step orchestration per step. One activity adds them (one add call) with the image's Batch plan: the Batch
 * steps that follow them, which the run's monitor adds once the step before succeeded. The monitor raises
 * `batch-step:<image>:<step>:<attempt>` here with each completion (status, log blobs, what it added after it). Retries,
 * the step deadline (from the moment a step is added; Batch's maxWallClockTime bounds its run), cancel and
 * the results are decided here, as the step orchestration decides them for ACI.
 */
import type { OrchestrationContext, Task } from 'durable-functions';
import type { BatchStartOutcome, BatchStepEvent, LaterBatchStep } from '../activities/contracts';
import type { StepStatus } from '../compute/port';
import type { StepState } from '../runs/graph';
import { logsPrefix, outputsPrefix, type StepPlan } from '../runs/plan';
import type { StepError, StepResult } from '../runs/records';
import { callActivity, log, nowMs } from './call';
import { events, type ImageInput } from './contracts';
import { attemptRunMs, errorOf, isFinal, isPermanentFailure } from './step-policy';

/** With no word from the monitor for this long, the image reads its steps' statuses itself. */
export const BATCH_SILENCE_MS = 10 * 60_000;
const CANCELLED: StepError = { code: 'cancelled', message: 'the run was cancelled' };

/**
 * The ready Batch steps plus every Batch step that can follow them in Batch: one that depends on exactly one
 * step of the set (its trigger, which the monitor adds it after) and otherwise on steps that succeeded.
 */
export function batchClosure(
  steps: readonly StepPlan[],
  ready: readonly string[],
  succeeded: ReadonlySet<string>,
): Map<string, string | undefined> {
  const closure = new Map<string, string | undefined>(ready.map((id) => [id, undefined]));
  for (let changed = true; changed;) {
    changed = false;
    for (const step of steps) {
      if (closure.has(step.id) || succeeded.has(step.id) || !bulkEligible(step)) continue;
      const inSet = step.dependsOn.filter((d) => closure.has(d));
      if (inSet.length !== 1 || !step.dependsOn.every((d) => closure.has(d) || succeeded.has(d))) continue;
      closure.set(step.id, inSet[0]);
      changed = true;
    }
  }
  return closure;
}

/**
 * A Batch step runs in bulk unless it needs what only the step orchestration does per attempt: the step
 * cache's lookup and index write, or memory grown after an out-of-memory kill (retry.onOutOfMemory).
 */
export const bulkEligible = (step: StepPlan | undefined): boolean =>
  step?.backend === 'batch' && !step.cache && !step.retry?.onOutOfMemory;

/** A wave goes in bulk when all its steps are Batch steps that may run in bulk. */
export const inBulk = (steps: readonly StepPlan[], wave: readonly string[]): boolean =>
  wave.length > 0 && wave.every((id) => bulkEligible(steps.find((s) => s.id === id)));

interface Track {
  readonly plan: StepPlan;
  readonly trigger?: string;
  /** Attempts made so far (the current one while `since` is set). */
  attempt: number;
  /** When the current attempt was added (its deadline counts from here); unset while not added. */
  since?: number;
  runMs: number;
  result?: StepResult;
}

export type StateSink = (step: string, state: StepState) => void;

export function* runBatchSteps(
  context: OrchestrationContext,
  input: ImageInput,
  ready: readonly string[],
  done: ReadonlyMap<string, StepResult>,
  onState: StateSink,
): Generator<Task, StepResult[], unknown> {
  const { plan, imageKey } = input;
  const runId = plan.runId;
  const succeeded = new Set([...done.values()].filter((r) => r.status === 'succeeded').map((r) => r.step));
  const tracks = new Map<string, Track>();
  for (const [id, trigger] of batchClosure(plan.steps, ready, succeeded)) {
    const step = plan.steps.find((s) => s.id === id);
    if (step) tracks.set(id, { plan: step, ...(trigger ? { trigger } : {}), attempt: 0, runMs: 0 });
  }
  const open = () => [...tracks.values()].filter((t) => !t.result);
  const ref = (t: Track) => ({ runId, imageKey, step: t.plan.id, attempt: t.attempt });

  const end = (t: Track, status: StepResult['status'], details: Partial<StepResult>) => {
    t.result = {
      step: t.plan.id,
      backend: 'batch',
      cpu: t.plan.cpu,
      memoryGb: t.plan.memoryGb,
      status,
      attempts: t.attempt,
      outputsPrefix: outputsPrefix(plan, imageKey, t.plan.id, t.attempt),
      runMs: t.runMs,
      logs: [],
      ...details,
    };
    t.since = undefined;
    onState(t.plan.id, status);
  };

  /** Adds `start` now (one activity) and plans the steps that follow them; false when the run was cancelled. */
  function* submit(start: readonly Track[]): Generator<Task, boolean, unknown> {
    const later: LaterBatchStep[] = [];
    const planned = new Map<string, number>(start.map((t) => [t.plan.id, t.attempt + 1]));
    for (const t of tracks.values()) {
      if (t.result || t.since !== undefined || !t.trigger || planned.has(t.plan.id)) continue;
      const after = planned.get(t.trigger);
      if (after === undefined) continue;
      planned.set(t.plan.id, t.attempt + 1);
      later.push({ step: t.plan, attempt: t.attempt + 1, after: { step: t.trigger, attempt: after } });
    }
    for (const t of start) t.attempt += 1;
    const upstream = Object.fromEntries(
      [...done.values(), ...[...tracks.values()].flatMap((t) => (t.result ? [t.result] : []))]
        .filter((r) => r.status === 'succeeded')
        .map((r) => [r.step, r.outputsPrefix]),
    );
    let answer;
    try {
      answer = yield* callActivity(context, 'submitBatchSteps', {
        runId,
        imageKey,
        source: { kind: 'image', image: input.image, inputs: plan.inputs },
        outputs: plan.outputs,
        sinkSteps: [],
        upstream,
        // The completions come back here, to the instance running the image (its lane).
        callbackInstance: context.df.instanceId,
        start: start.map((t) => ({ step: t.plan, attempt: t.attempt })),
        later,
      });
    } catch (error) {
      const message = error instanceof Error ? (error.message.split('\n')[0] ?? '') : String(error);
      for (const t of start) yield* ended(t, undefined, [], { code: 'start-failed', message });
      return true;
    }
    if (answer.cancelled) return false;
    const now = nowMs(context);
    for (const t of start) started(t, answer.started[t.plan.id], now);
    return true;
  }

  function started(t: Track, outcome: BatchStartOutcome | undefined, now: number) {
    if (outcome?.outcome === 'permanent') {
      end(t, 'failed', { error: { code: outcome.code, message: outcome.message } });
      return;
    }
    t.since = now;
    onState(t.plan.id, 'running');
  }

  /** The current attempt of `t` ended: its result, or its next attempt. */
  function* ended(
    t: Track,
    status: StepStatus | undefined,
    logs: readonly string[],
    error?: StepError,
  ): Generator<Task, void, unknown> {
    const now = nowMs(context);
    t.runMs += attemptRunMs(status, t.since ?? now, now);
    const ok = status?.state === 'succeeded';
    const failure = ok ? undefined : (error ?? (status ? errorOf(status) : undefined));
    const retry = !ok && !(status && isPermanentFailure(status)) && t.attempt < t.plan.retries + 1;
    log(context, 'batch step attempt ended', {
      runId,
      image: imageKey,
      step: t.plan.id,
      attempt: t.attempt,
      state: status?.state ?? failure?.code ?? 'unknown',
    });
    const at = new Date(t.since ?? now).toISOString();
    if (retry) {
      t.since = undefined;
      if (!(yield* submit([t]))) end(t, 'cancelled', { error: CANCELLED });
      return;
    }
    end(t, ok ? 'succeeded' : 'failed', {
      ...(status?.exitCode !== undefined ? { exitCode: status.exitCode } : {}),
      startedAt: status?.startedAt ?? at,
      finishedAt: status?.finishedAt ?? new Date(now).toISOString(),
      logs: [...logs],
      ...(failure ? { error: failure } : {}),
      ...(!ok && plan.keepOnFailureMs > 0 && status
        ? { keptUntil: new Date(now + plan.keepOnFailureMs).toISOString() }
        : {}),
    });
  }

  function* stop(list: readonly Track[]): Generator<Task, Record<string, readonly string[]>, unknown> {
    try {
      return yield* callActivity(context, 'stopBatchSteps', {
        runId,
        imageKey,
        steps: list.map((t) => ({ step: t.plan.id, attempt: t.attempt })),
      });
    } catch (error) {
      // Stopping is teardown: it never changes the outcome (the job goes at run end, with its tasks).
      log(context, 'batch steps not stopped; the run end deletes them', {
        runId,
        image: imageKey,
        error: (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? '',
      });
      return {};
    }
  }

  const cancelAll = function* (): Generator<Task, void, unknown> {
    const active = open().filter((t) => t.since !== undefined);
    const logs = active.length ? yield* stop(active) : {};
    for (const t of open()) {
      if (t.attempt === 0) continue;
      end(t, 'cancelled', {
        logs: [...(logs[t.plan.id] ?? [])],
        error: CANCELLED,
      });
    }
  };

  const first = [...tracks.values()].filter((t) => !t.trigger);
  if (!(yield* submit(first))) {
    for (const t of first) end(t, 'cancelled', { error: CANCELLED });
    return collect(tracks);
  }
  for (;;) {
    const active = open().filter((t) => t.since !== undefined);
    if (active.length === 0) break;
    const now = nowMs(context);
    const deadline = Math.min(...active.map((t) => (t.since ?? now) + t.plan.timeoutMs));
    const late = active.filter((t) => now >= (t.since ?? now) + t.plan.timeoutMs);
    if (late.length) {
      const logs = yield* stop(late);
      for (const t of late)
        yield* ended(t, undefined, logs[t.plan.id] ?? [], {
          code: 'timeout',
          message: `the attempt ran longer than ${t.plan.timeoutMs} ms`,
        });
      continue;
    }
    const waits = active.map((t) =>
      context.df.waitForExternalEvent(events.batchStep(imageKey, t.plan.id, t.attempt)),
    );
    const cancel = context.df.waitForExternalEvent(events.cancel);
    const timer = context.df.createTimer(new Date(Math.min(deadline, now + BATCH_SILENCE_MS)));
    const winner: unknown = yield context.df.Task.any([...waits, cancel, timer]);
    if (winner !== timer) timer.cancel();
    if (winner === cancel) {
      yield* cancelAll();
      break;
    }
    if (winner === timer) {
      if (nowMs(context) >= deadline) continue;
      // The monitor stayed silent: read the statuses (only then does a Batch step cost more).
      for (const t of active) {
        const target = { kind: 'batch' as const, ref: ref(t) };
        const status = yield* callActivity(context, 'getStepStatus', target);
        if (!isFinal(status)) continue;
        const logs = yield* callActivity(context, 'saveStepLogs', {
          ...target,
          logsPrefix: logsPrefix(runId, imageKey, t.plan.id, t.attempt),
          succeeded: status.state === 'succeeded',
        });
        yield* ended(t, status, logs);
      }
      continue;
    }
    const t = active[waits.indexOf(winner as Task)];
    if (!t) continue;
    const event = (winner as Task).result as BatchStepEvent;
    for (const [id, outcome] of Object.entries(event.added)) {
      const next = tracks.get(id);
      if (next && !next.result && next.since === undefined) {
        next.attempt += 1;
        started(next, outcome, nowMs(context));
      }
    }
    yield* ended(t, event.status, event.logs);
  }
  return collect(tracks);
}

function collect(tracks: ReadonlyMap<string, Track>): StepResult[] {
  return [...tracks.values()].flatMap((t) => (t.result ? [t.result] : []));
}
