import type { IncomingMessage } from 'node:http';
import { VirtualClock } from '../common/clock';
import type { FaultRule } from '../common/faults';
import type { RequestRecorder } from '../common/recorder';
import type { Reply } from './http-types';
import type { Scheduler } from './scheduler';
import type { BatchState } from './state';
import { poolNodeCount } from './wire';

/** What is still alive: tests use it to find leaks (jobs never terminated, tasks never finished). */
export interface BatchResources {
  /** Jobs not yet completed (active, terminating, disabled, deleting). */
  readonly activeJobs: readonly { id: string; state: string }[];
  /** Tasks not yet completed, per state. */
  readonly tasks: { readonly active: number; readonly running: number };
  readonly pools: readonly { id: string; state: string; nodes: number }[];
}

export function resources(state: BatchState): BatchResources {
  let active = 0;
  let running = 0;
  for (const job of state.jobs.values()) {
    active += job.counts.active;
    running += job.counts.running;
  }
  return {
    activeJobs: [...state.jobs.values()]
      .filter((j) => j.state !== 'completed')
      .map((j) => ({ id: j.id, state: j.state })),
    tasks: { active, running },
    pools: [...state.pools.values()].map((p) => ({
      id: p.id,
      state: p.state,
      nodes: poolNodeCount(state, p),
    })),
  };
}

/** Forgets all jobs, tasks and pools (killing running processes), recordings and fault rules. */
export function reset(state: BatchState, scheduler: Scheduler, recorder: RequestRecorder): void {
  for (const job of state.jobs.values()) {
    for (const task of job.tasks.values()) {
      task.queued = false;
      scheduler.abandonAttempt(task);
    }
    job.cancelWallClock?.();
  }
  state.jobs.clear();
  state.pools.clear();
  state.queues.clear();
  state.meter.clear();
  state.timeline.clear();
  recorder.clear();
  state.faults.clear();
}

/** `/__admin/*` (no authentication; loopback only). */
export async function adminRequest(
  req: IncomingMessage,
  path: string,
  body: string,
  parts: { state: BatchState; scheduler: Scheduler; recorder: RequestRecorder },
): Promise<Reply> {
  const route = `${req.method ?? 'GET'} ${path}`;
  const json = () => (body ? (JSON.parse(body) as unknown) : {});
  switch (route) {
    case 'GET requests':
      return { status: 200, body: parts.recorder.all() };
    case 'GET counts':
      return { status: 200, body: parts.recorder.counts() };
    case 'GET resources':
      return { status: 200, body: resources(parts.state) };
    case 'GET billing':
      return { status: 200, body: parts.state.meter.bill() };
    case 'POST reset':
      reset(parts.state, parts.scheduler, parts.recorder);
      return { status: 200, body: { reset: true } };
    case 'POST faults': {
      const parsed = json() as { rules?: FaultRule[] } | FaultRule[];
      const rules = Array.isArray(parsed) ? parsed : (parsed.rules ?? []);
      parts.state.faults.add(...rules.map((r) => ({ service: 'batch' as const, ...r })));
      return { status: 200, body: { rules: parts.state.faults.rules() } };
    }
    case 'POST clock/advance': {
      const clock = parts.state.clock;
      if (!(clock instanceof VirtualClock))
        return { status: 400, body: { error: 'clock/advance: the emulator runs on the real clock' } };
      const ms = (json() as { ms?: unknown }).ms;
      if (typeof ms !== 'number' || !(ms >= 0))
        return { status: 400, body: { error: 'clock/advance: body.ms must be a number >= 0' } };
      await clock.advance(ms);
      return { status: 200, body: { now: new Date(clock.now()).toISOString() } };
    }
    default:
      return { status: 404, body: { error: `no admin endpoint ${route}; see docs/emulators-batch.md` } };
  }
}
