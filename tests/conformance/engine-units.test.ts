import { mkdtempSync, readFileSync, rmSync, appendFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type {
  OrchestratorOutcome,
  OrchestratorState,
} from '../../packages/emulators/functions/durable/actions';
import { runEpisode } from '../../packages/emulators/functions/durable/episode';
import { EventType, historyEvent } from '../../packages/emulators/functions/durable/history';
import { newInstance, type Instance } from '../../packages/emulators/functions/durable/instance';
import { InstanceStore } from '../../packages/emulators/functions/durable/store';
import {
  DEFAULT_TIMER_SETTINGS,
  retryDelayMs,
  sliceFireAt,
  toTimeSpan,
} from '../../packages/emulators/functions/durable/timing';

const DAY = 24 * 3600_000;
const T0 = Date.UTC(2026, 0, 1);

function instance(): Instance {
  return newInstance({
    instanceId: 'i1',
    name: 'orch',
    version: '',
    executionId: 'e1',
    input: null,
    createdTime: T0,
    status: 'Pending',
  });
}

function push(inst: Instance, type: number, fields: Record<string, unknown>): void {
  inst.inbox.push({ q: inst.nextQ++, event: historyEvent(type, T0, fields) });
}

/** An episode context whose "orchestrator" returns the given states in turn. */
function scripted(...states: OrchestratorState[]) {
  const seen: number[] = [];
  return {
    seen,
    ctx: {
      timers: DEFAULT_TIMER_SETTINGS,
      now: () => T0 + 1000,
      invokeOrchestrator: (inst: Instance): Promise<OrchestratorOutcome> => {
        seen.push(inst.history.length);
        return Promise.resolve({ kind: 'state', state: states.shift()! });
      },
    },
  };
}

describe('durable engine units: timing', () => {
  it('slices long timers by the library rule and formats TimeSpans', () => {
    expect(sliceFireAt(T0 + 7 * DAY, T0, DEFAULT_TIMER_SETTINGS)).toBe(T0 + 3 * DAY);
    expect(sliceFireAt(T0 + 6 * DAY, T0, DEFAULT_TIMER_SETTINGS)).toBe(T0 + 6 * DAY);
    expect(toTimeSpan(6 * DAY)).toBe('6.00:00:00');
    expect(toTimeSpan(10 * 60_000 + 5000)).toBe('0.00:10:05');
  });

  it('computes retry delays with backoff and a cap', () => {
    const retry = { firstRetryIntervalInMilliseconds: 1000, maxNumberOfAttempts: 5, backoffCoefficient: 3 };
    expect([1, 2, 3].map((k) => retryDelayMs(retry, k))).toEqual([1000, 3000, 9000]);
    expect(retryDelayMs({ ...retry, maxRetryIntervalInMilliseconds: 5000 }, 3)).toBe(5000);
  });
});

describe('durable engine units: episodes', () => {
  it('allocates ids depth-first and batches completions', async () => {
    const inst = instance();
    push(inst, EventType.ExecutionStarted, { Name: 'orch', Input: null });
    const acts = [0, 1, 2].map((i) => ({ actionType: 0, functionName: 'a', input: i }));
    const { ctx } = scripted({ isDone: false, actions: [[{ actionType: 12, compoundActions: acts }]] });
    const first = await runEpisode(inst, ctx);
    expect(first?.effects.map((e) => (e.k === 'activity' ? e.id : -1))).toEqual([0, 1, 2]);
    expect(inst.status).toBe('Running');
    inst.inbox = [];
    for (const id of [2, 0, 1]) push(inst, EventType.TaskCompleted, { TaskScheduledId: id, Result: '1' });
    push(inst, EventType.TaskCompleted, { TaskScheduledId: 0, Result: '1' }); // a duplicate
    const second = await runEpisode(
      inst,
      scripted({ isDone: true, actions: [[{ actionType: 12, compoundActions: acts }]], output: 3 }).ctx,
    );
    expect(second?.record.c).toHaveLength(4);
    expect(inst.status).toBe('Completed');
    expect(inst.output).toBe(3);
  });

  it('puts a follow-up trigger (failed retry attempt) only at the head of a batch', async () => {
    const inst = instance();
    push(inst, EventType.ExecutionStarted, { Name: 'orch', Input: null });
    const retryOptions = { firstRetryIntervalInMilliseconds: 500, maxNumberOfAttempts: 2 };
    const actions = [
      { actionType: 0, functionName: 'plain' },
      { actionType: 1, functionName: 'flaky', retryOptions },
    ];
    await runEpisode(inst, scripted({ isDone: false, actions: [actions] }).ctx);
    inst.inbox = [];
    push(inst, EventType.TaskCompleted, { TaskScheduledId: 0, Result: 'null' });
    push(inst, EventType.TaskFailed, { TaskScheduledId: 1, Reason: 'r', Details: 'd' });
    // Batch 1: only the plain completion (the trigger is not first); user code then yields a new activity.
    const next = [...actions, { actionType: 0, functionName: 'after' }];
    const one = await runEpisode(inst, scripted({ isDone: false, actions: [next] }).ctx);
    expect(one?.record.c).toHaveLength(1);
    expect(one?.effects).toEqual([{ k: 'activity', id: 2, name: 'after', input: undefined }]);
    inst.inbox = inst.inbox.slice(1);
    // Batch 2: the failure first; its retry-delay timer takes id 3 before any new action.
    const two = await runEpisode(inst, scripted({ isDone: false, actions: [next] }).ctx);
    expect(two?.effects).toEqual([{ k: 'timer', id: 3, fireAt: T0 + 1000 + 500 }]);
    expect(inst.pending.get(3)).toMatchObject({ kind: 'retryTimer', attempt: 1 });
  });

  it('fails a nondeterministic replay', async () => {
    const inst = instance();
    push(inst, EventType.ExecutionStarted, { Name: 'orch', Input: null });
    await runEpisode(
      inst,
      scripted({ isDone: false, actions: [[{ actionType: 0, functionName: 'a' }]] }).ctx,
    );
    inst.inbox = [];
    push(inst, EventType.TaskCompleted, { TaskScheduledId: 0, Result: 'null' });
    await runEpisode(
      inst,
      scripted({ isDone: false, actions: [[{ actionType: 0, functionName: 'b' }]] }).ctx,
    );
    expect(inst.status).toBe('Failed');
    expect(inst.output).toContain('Non-Deterministic workflow detected');
  });
});

describe('durable engine units: store', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'durable-store-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('coalesces concurrent appends, survives a torn last line, and rewrites atomically', async () => {
    const store = new InstanceStore(dir);
    await store.init();
    const x = {
      instanceId: 'a/b',
      name: 'n',
      version: '',
      executionId: 'e',
      input: '1',
      createdTime: T0,
      status: 'Pending' as const,
    };
    await store.rewrite('a/b', { r: 'exec', x });
    await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        store.append('a/b', {
          r: 'msg',
          q: i + 1,
          e: historyEvent(EventType.EventRaised, T0, { Name: `e${i}`, Input: null }),
        }),
      ),
    );
    appendFileSync(store.fileOf('a/b'), '{"r":"msg","q":999,"e":{"Even'); // a crash mid-write
    let inst = await new InstanceStore(dir).load('a/b');
    expect(inst?.instanceId).toBe('a/b');
    expect(inst?.inbox.map((m) => m.q)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
    await store.rewrite('a/b', { r: 'exec', x: { ...x, executionId: 'e2' } });
    inst = await new InstanceStore(dir).load('a/b');
    expect(inst?.executionId).toBe('e2');
    expect(inst?.inbox).toEqual([]);
    expect(readFileSync(store.fileOf('a/b'), 'utf8').trim().split('\n')).toHaveLength(1);
    await store.close();
  });
});
