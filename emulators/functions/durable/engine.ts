/**
 * The embedded Durable engine: instances, their inboxes and episodes, activities, timers and
 * sub-orchestrations, persisted through `InstanceStore` (design §5–§7).
 */
import { randomUUID } from 'node:crypto';
import type * as http from 'node:http';
import type { Cancelable } from '../../common/clock';
import type {
  DurableEngineApi,
  DurableEngineOptions,
  EngineStats,
  OrchestrationStatusView,
  RuntimeStatus,
} from '../contracts';
import { clientBindingData } from './client-binding';
import { runEpisode, type EpisodeResult, type SideEffect } from './episode';
import { EventType, completionId, historyEvent, type HistoryEvent } from './history';
import { handleManagementRequest } from './http-api';
import {
  TERMINAL,
  newInstance,
  resetExecution,
  type ExecutionInfo,
  type Instance,
  type ParentRef,
} from './instance';
import { invokeOrchestrator, isOrchestrator, runActivity } from './invoke';
import { Semaphore } from './semaphore';
import { statusView } from './status';
import { InstanceStore } from './store';
import { DEFAULT_TIMER_SETTINGS, type TimerSettings } from './timing';

export interface EngineExtras {
  /** Long-timer settings sent to the orchestrator (defaults: 6 days / 3 days, as Azure Storage). */
  readonly timers?: TimerSettings;
  /** fdatasync state writes (default true). */
  readonly fsync?: boolean;
}

export type StartResult =
  | { readonly ok: true; readonly instanceId: string }
  | { readonly ok: false; readonly status: 400 | 409; readonly message: string };

interface MutableStats {
  episodes: number;
  replayedEvents: number;
  largestHistory: number;
  activityInvocations: number;
}

export class DurableEngine implements DurableEngineApi {
  readonly timers: TimerSettings;
  private readonly instances = new Map<string, Instance>();
  private readonly store: InstanceStore;
  private readonly running = new Set<string>();
  private readonly again = new Set<string>();
  private readonly clockTimers = new Map<string, Cancelable>();
  private readonly watchers = new Set<() => void>();
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly activitySlots: Semaphore;
  private readonly orchestratorSlots: Semaphore;
  private readonly counters: MutableStats = {
    episodes: 0,
    replayedEvents: 0,
    largestHistory: 0,
    activityInvocations: 0,
  };
  private started = false;
  private stopped = false;

  constructor(
    readonly options: DurableEngineOptions,
    extras: EngineExtras = {},
  ) {
    this.timers = extras.timers ?? DEFAULT_TIMER_SETTINGS;
    this.store = new InstanceStore(options.stateDir, { fsync: extras.fsync ?? true });
    this.activitySlots = new Semaphore(Math.max(1, options.maxConcurrentActivityFunctions));
    this.orchestratorSlots = new Semaphore(Math.max(1, options.maxConcurrentOrchestratorFunctions));
  }

  clientBindingData(): string {
    return clientBindingData(this.options.baseUrl, this.options.hubName);
  }

  handleHttp(req: http.IncomingMessage, res: http.ServerResponse, body: Buffer): Promise<boolean> {
    return handleManagementRequest(this, req, res, body);
  }

  async start(): Promise<void> {
    if (this.started) return;
    await this.store.init();
    for (const inst of await this.store.loadAll()) this.instances.set(inst.instanceId, inst);
    this.started = true;
    for (const inst of this.instances.values()) if (!TERMINAL.has(inst.status)) this.recover(inst);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.clockTimers.values()) t.cancel();
    this.clockTimers.clear();
    while (this.inFlight.size > 0 || this.running.size > 0) {
      await Promise.allSettled([...this.inFlight]);
      if (this.running.size > 0) await new Promise((r) => setImmediate(r));
    }
    await this.store.close();
  }

  getStatus(instanceId: string): OrchestrationStatusView | undefined {
    const inst = this.instances.get(instanceId);
    return inst ? statusView(inst) : undefined;
  }

  instance(instanceId: string): Instance | undefined {
    return this.instances.get(instanceId);
  }

  allInstances(): IterableIterator<Instance> {
    return this.instances.values();
  }

  waitForStatus(
    instanceId: string,
    predicate: (status: OrchestrationStatusView) => boolean,
    timeoutMs = 30000,
  ): Promise<OrchestrationStatusView> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        const view = this.getStatus(instanceId);
        if (view && predicate(view)) {
          this.watchers.delete(check);
          clearTimeout(timer);
          resolve(view);
          return true;
        }
        return false;
      };
      const timer = setTimeout(() => {
        this.watchers.delete(check);
        const view = this.getStatus(instanceId);
        const now = view ? `${view.runtimeStatus} (output ${JSON.stringify(view.output)})` : 'unknown';
        reject(new Error(`waitForStatus('${instanceId}') timed out after ${timeoutMs} ms; status is ${now}`));
      }, timeoutMs);
      if (!check()) this.watchers.add(check);
    });
  }

  stats(): EngineStats {
    return { ...this.counters };
  }

  // ---- operations (used by the management API) ----

  async startNew(
    name: string,
    instanceId: string | undefined,
    input: string | null,
    version = '',
  ): Promise<StartResult> {
    if (!isOrchestrator(this.options.invoker, name)) {
      return { ok: false, status: 400, message: `No orchestrator function named '${name}' is registered.` };
    }
    const id = instanceId ?? randomUUID().replace(/-/g, '');
    const existing = this.instances.get(id);
    if (existing && !TERMINAL.has(existing.status)) {
      return {
        ok: false,
        status: 409,
        message: `An instance with ID '${id}' already exists and is ${existing.status}; only instances in a completed, failed or terminated state can be replaced.`,
      };
    }
    await this.create({ instanceId: id, name, version, input, parent: undefined });
    return { ok: true, instanceId: id };
  }

  /** Queues a control or external event; false when the instance is unknown, 'gone' when it is finished. */
  async enqueue(instanceId: string, event: HistoryEvent): Promise<boolean | 'gone'> {
    const inst = this.instances.get(instanceId);
    if (!inst) return false;
    if (TERMINAL.has(inst.status)) return 'gone';
    await this.deliver(inst, event);
    return true;
  }

  /** Whether the instance is (or will be, once its queued controls run) suspended. */
  effectivelySuspended(inst: Instance): boolean {
    let suspended = inst.status === 'Suspended';
    for (const m of inst.inbox) {
      if (m.event.EventType === EventType.ExecutionSuspended) suspended = true;
      if (m.event.EventType === EventType.ExecutionResumed) suspended = false;
    }
    return suspended;
  }

  async purge(instanceId: string): Promise<boolean> {
    const inst = this.instances.get(instanceId);
    if (!inst) return false;
    this.instances.delete(instanceId);
    this.cancelTimersOf(instanceId);
    await this.store.remove(instanceId);
    this.notify();
    return true;
  }

  now(): number {
    return this.options.clock.now();
  }

  // ---- internals ----

  private async create(spec: {
    instanceId: string;
    name: string;
    version: string;
    input: string | null;
    parent: ParentRef | undefined;
  }): Promise<void> {
    const now = this.now();
    const x: ExecutionInfo = {
      instanceId: spec.instanceId,
      name: spec.name,
      version: spec.version,
      executionId: randomUUID().replace(/-/g, ''),
      input: spec.input,
      createdTime: now,
      status: 'Pending',
      ...(spec.parent ? { parent: spec.parent } : {}),
    };
    let inst = this.instances.get(spec.instanceId);
    this.cancelTimersOf(spec.instanceId);
    if (inst) resetExecution(inst, x);
    else inst = newInstance(x);
    inst.inbox = [];
    this.instances.set(spec.instanceId, inst);
    const started = this.executionStarted(inst, now);
    const q = inst.nextQ++;
    inst.inbox.push({ q, event: started });
    await this.store.rewrite(inst.instanceId, { r: 'exec', x }, { r: 'msg', q, e: started });
    this.notify();
    this.schedule(inst.instanceId);
  }

  private executionStarted(inst: Instance, now: number): HistoryEvent {
    const p = inst.parent;
    return historyEvent(EventType.ExecutionStarted, now, {
      OrchestrationInstance: { InstanceId: inst.instanceId, ExecutionId: inst.executionId },
      ParentInstance: p
        ? {
            Name: p.name,
            Version: '',
            OrchestrationInstance: { InstanceId: p.instanceId, ExecutionId: p.executionId },
            TaskScheduleId: p.taskId,
          }
        : null,
      Name: inst.name,
      Version: inst.version,
      Input: inst.input,
      Tags: null,
      Correlation: null,
      ScheduledStartTime: null,
      Generation: 0,
    });
  }

  /** Adds a message to an instance's inbox, persists it, and schedules an episode. */
  private deliver(inst: Instance, event: HistoryEvent): Promise<void> {
    const q = inst.nextQ++;
    inst.inbox.push({ q, event });
    const written = this.store.append(inst.instanceId, { r: 'msg', q, e: event });
    this.schedule(inst.instanceId);
    return written;
  }

  /** Delivers a completion for task `id` of execution `executionId`, unless that execution is gone. */
  private complete(instanceId: string, executionId: string, event: HistoryEvent): void {
    if (this.stopped) return;
    const inst = this.instances.get(instanceId);
    if (!inst || inst.executionId !== executionId || TERMINAL.has(inst.status)) return;
    this.track(this.deliver(inst, event));
  }

  private schedule(instanceId: string): void {
    if (!this.started || this.stopped) return;
    if (this.running.has(instanceId)) {
      this.again.add(instanceId);
      return;
    }
    this.running.add(instanceId);
    setImmediate(() => void this.drive(instanceId));
  }

  private async drive(instanceId: string): Promise<void> {
    try {
      for (;;) {
        this.again.delete(instanceId);
        const inst = this.instances.get(instanceId);
        if (!inst || this.stopped || TERMINAL.has(inst.status) || inst.inbox.length === 0) break;
        const result = await this.orchestratorSlots.run(() =>
          runEpisode(inst, {
            timers: this.timers,
            now: () => this.now(),
            invokeOrchestrator: (i) => invokeOrchestrator(this.options.invoker, i, this.timers),
          }),
        );
        if (!result) break;
        if (this.instances.get(instanceId) !== inst) break;
        await this.commit(inst, result);
        await new Promise((r) => setImmediate(r));
      }
    } catch (error) {
      this.log(
        `durable: episode of '${instanceId}' failed: ${error instanceof Error ? error.message : String(error)}`,
      );
    } finally {
      this.running.delete(instanceId);
      if (this.again.has(instanceId)) {
        this.again.delete(instanceId);
        this.schedule(instanceId);
      }
    }
  }

  private async commit(inst: Instance, result: EpisodeResult): Promise<void> {
    const consumed = new Set(result.record.c);
    if (consumed.size > 0) inst.inbox = inst.inbox.filter((m) => !consumed.has(m.q));
    if (result.replayed > 0) {
      this.counters.episodes++;
      this.counters.replayedEvents += result.replayed;
      this.counters.largestHistory = Math.max(this.counters.largestHistory, result.replayed);
      if (result.replayed > 10000 && result.replayed - 10000 < 100) {
        this.log(
          `durable: instance '${inst.instanceId}' has a history of ${result.replayed} events; consider sub-orchestrations or continueAsNew`,
        );
      }
    }
    if (result.continueAsNew) {
      for (const e of result.effects) if (e.k === 'cancelTimer') this.cancelTimer(inst, e.id);
      await this.continueAsNew(inst, result.continueAsNew.input);
      return;
    }
    if (this.stopped) return;
    await this.store.append(inst.instanceId, result.record);
    if (TERMINAL.has(inst.status)) this.store.park(inst.instanceId);
    for (const effect of result.effects) this.apply(inst, effect);
    this.notify();
  }

  private async continueAsNew(inst: Instance, input: string): Promise<void> {
    const kept = inst.inbox.filter((m) => {
      const t = m.event.EventType;
      return (
        t === EventType.ExecutionTerminated ||
        t === EventType.ExecutionSuspended ||
        t === EventType.ExecutionResumed
      );
    });
    const x: ExecutionInfo = {
      instanceId: inst.instanceId,
      name: inst.name,
      version: inst.version,
      executionId: randomUUID().replace(/-/g, ''),
      input,
      createdTime: inst.createdTime,
      status: 'ContinuedAsNew',
      ...(inst.parent ? { parent: inst.parent } : {}),
    };
    this.cancelTimersOf(inst.instanceId);
    const lastUpdated = inst.lastUpdatedTime;
    resetExecution(inst, x);
    inst.lastUpdatedTime = lastUpdated;
    const started = { q: inst.nextQ++, event: this.executionStarted(inst, this.now()) };
    inst.inbox = [started, ...kept];
    if (this.stopped) return;
    await this.store.rewrite(
      inst.instanceId,
      { r: 'exec', x },
      ...inst.inbox.map((m) => ({ r: 'msg' as const, q: m.q, e: m.event })),
    );
    this.notify();
  }

  private apply(inst: Instance, effect: SideEffect): void {
    const { instanceId, executionId } = inst;
    switch (effect.k) {
      case 'activity':
        this.track(this.activity(instanceId, executionId, effect.id, effect.name, effect.input));
        return;
      case 'timer': {
        const key = `${instanceId}\u0000${effect.id}`;
        const fireAt = effect.fireAt;
        this.clockTimers.get(key)?.cancel();
        this.clockTimers.set(
          key,
          this.options.clock.schedule(fireAt, () => {
            this.clockTimers.delete(key);
            const fired = historyEvent(EventType.TimerFired, this.now(), {
              TimerId: effect.id,
              FireAt: new Date(fireAt).toISOString(),
            });
            this.complete(instanceId, executionId, fired);
          }),
        );
        return;
      }
      case 'cancelTimer':
        this.cancelTimer(inst, effect.id);
        return;
      case 'child':
        this.track(this.startChild(inst, effect));
        return;
      case 'notifyParent':
        this.complete(effect.parent.instanceId, effect.parent.executionId, effect.event);
        return;
    }
  }

  private async activity(
    instanceId: string,
    executionId: string,
    id: number,
    name: string,
    input: unknown,
  ): Promise<void> {
    await this.activitySlots.run(async () => {
      if (this.stopped) return;
      this.counters.activityInvocations++;
      const event = await runActivity(this.options.invoker, instanceId, id, name, input, () => this.now());
      this.complete(instanceId, executionId, event);
    });
  }

  private async startChild(parent: Instance, effect: Extract<SideEffect, { k: 'child' }>): Promise<void> {
    const ref: ParentRef = {
      instanceId: parent.instanceId,
      executionId: parent.executionId,
      name: parent.name,
      taskId: effect.id,
    };
    const fail = (why: string) => {
      const reason = `Orchestrator function '${effect.name}' failed: ${why}`;
      const event = historyEvent(EventType.SubOrchestrationInstanceFailed, this.now(), {
        TaskScheduledId: effect.id,
        Reason: reason,
        Details: JSON.stringify({ Message: why }),
        FailureDetails: null,
      });
      this.complete(parent.instanceId, parent.executionId, event);
    };
    if (!isOrchestrator(this.options.invoker, effect.name))
      return fail(`no orchestrator function named '${effect.name}' is registered.`);
    if (effect.childId === parent.instanceId || effect.childId.startsWith('@')) {
      return fail(`'${effect.childId}' is not a valid sub-orchestration instance ID.`);
    }
    const existing = this.instances.get(effect.childId);
    if (existing && !TERMINAL.has(existing.status)) {
      return fail(`an instance with ID '${effect.childId}' is already ${existing.status}.`);
    }
    const input = JSON.stringify(effect.input ?? null);
    await this.create({
      instanceId: effect.childId,
      name: effect.name,
      version: effect.version,
      input,
      parent: ref,
    });
  }

  private recover(inst: Instance): void {
    const delivered = new Set<number>();
    for (const m of inst.inbox) {
      const id = completionId(m.event);
      if (id !== undefined) delivered.add(id);
    }
    for (const [id, task] of inst.pending) {
      if (delivered.has(id)) continue;
      if (task.kind === 'timer' || task.kind === 'retryTimer') {
        this.apply(inst, { k: 'timer', id, fireAt: task.fireAt ?? this.now() });
      } else if (task.kind === 'activity') {
        this.apply(inst, { k: 'activity', id, name: task.name ?? '', input: task.input });
      } else {
        this.recoverChild(inst, id, task.childId ?? '', task.name ?? '', task.version ?? '', task.input);
      }
    }
    if (inst.inbox.length > 0) this.schedule(inst.instanceId);
  }

  private recoverChild(
    parent: Instance,
    id: number,
    childId: string,
    name: string,
    version: string,
    input: unknown,
  ): void {
    const child = this.instances.get(childId);
    const ours = child?.parent?.instanceId === parent.instanceId && child.parent.taskId === id;
    if (!child || !ours) {
      this.apply(parent, { k: 'child', id, childId, name, version, input });
      return;
    }
    if (!TERMINAL.has(child.status)) return;
    const last = child.history.find((e) => e.EventType === EventType.ExecutionCompleted);
    const now = this.now();
    const event =
      child.status === 'Completed'
        ? historyEvent(EventType.SubOrchestrationInstanceCompleted, now, {
            TaskScheduledId: id,
            Result: JSON.stringify(child.output ?? null),
          })
        : historyEvent(EventType.SubOrchestrationInstanceFailed, now, {
            TaskScheduledId: id,
            Reason: typeof child.output === 'string' ? child.output : JSON.stringify(child.output),
            Details: JSON.stringify({ Message: 'recovered after restart' }),
            FailureDetails: last?.FailureDetails ?? null,
          });
    this.complete(parent.instanceId, parent.executionId, event);
  }

  private cancelTimer(inst: Instance, id: number): void {
    const key = `${inst.instanceId}\u0000${id}`;
    this.clockTimers.get(key)?.cancel();
    this.clockTimers.delete(key);
  }

  private cancelTimersOf(instanceId: string): void {
    const prefix = `${instanceId}\u0000`;
    for (const [key, t] of this.clockTimers) {
      if (key.startsWith(prefix)) {
        t.cancel();
        this.clockTimers.delete(key);
      }
    }
  }

  private track(p: Promise<unknown>): void {
    const tracked = p.catch((error: unknown) => {
      this.log(`durable: background work failed: ${error instanceof Error ? error.message : String(error)}`);
    });
    this.inFlight.add(tracked);
    void tracked.finally(() => this.inFlight.delete(tracked));
  }

  private notify(): void {
    for (const w of [...this.watchers]) w();
  }

  private log(line: string): void {
    (this.options.log ?? ((l: string) => console.error(l)))(line);
  }

  /** Status names accepted by list filters. */
  static readonly statuses: readonly RuntimeStatus[] = [
    'Pending',
    'Running',
    'Completed',
    'ContinuedAsNew',
    'Failed',
    'Canceled',
    'Terminated',
    'Suspended',
  ];
}
