/**
 * The embedded Durable engine: instances, their inboxes and episodes, activities, timers and
 * sub-orchestrations, persisted through `InstanceStore` (docs/durable-engine.md).
 */
import { randomUUID } from 'node:crypto';
import type * as http from 'node:http';
import type {
  DurableEngineApi,
  DurableEngineOptions,
  EngineStats,
  OrchestrationStatusView,
} from '../contracts';
import { clientBindingData } from './client-binding';
import { runEpisode, type EpisodeResult, type SideEffect } from './episode';
import { EventType, historyEvent, type HistoryEvent } from './history';
import { handleManagementRequest } from './http-api';
import {
  TERMINAL,
  executionStartedEvent,
  newInstance,
  resetExecution,
  type ExecutionInfo,
  type Instance,
  type ParentRef,
} from './instance';
import { recoverInstance } from './recovery';
import { invokeOrchestrator, isOrchestrator, runActivity } from './invoke';
import { Semaphore } from './semaphore';
import { statusView } from './status';
import { InstanceStore } from './store';
import { FinishedIndex, type InstanceRow } from './finished-index';
import { runHttpCall } from './http-call';
import { Delta } from './delta';
import { finalize } from './episode-end';
import { exceptionDetails } from './failures';
import { TimerTable } from './timer-table';
import { StatusWatchers } from './watchers';
import { DEFAULT_TIMER_SETTINGS, type TimerSettings } from './timing';
import { EntityTable } from './entities';

/** Histories longer than this get one warning per instance (docs/durable-engine.md, 'Replay cost'). */
const LARGE_HISTORY = 10000;

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
  pagedOutInstances: number;
}

function rowOf(inst: Instance): InstanceRow {
  return { instanceId: inst.instanceId, status: inst.status, createdTime: inst.createdTime };
}

export class DurableEngine implements DurableEngineApi {
  readonly timers: TimerSettings;
  readonly entities: EntityTable;
  /** Instances in memory: every unfinished one, and finished ones until they are paged out. */
  private readonly instances = new Map<string, Instance>();
  private readonly store: InstanceStore;
  private readonly finished: FinishedIndex;
  private readonly running = new Set<string>();
  private readonly again = new Set<string>();
  private readonly clockTimers: TimerTable;
  private readonly watchers = new StatusWatchers((id) => this.getStatus(id));
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly activitySlots: Semaphore;
  private readonly orchestratorSlots: Semaphore;
  private readonly counters: MutableStats = {
    episodes: 0,
    replayedEvents: 0,
    largestHistory: 0,
    activityInvocations: 0,
    pagedOutInstances: 0,
  };
  private readonly warnedLarge = new Set<string>();
  private started = false;
  private stopped = false;

  constructor(
    readonly options: DurableEngineOptions,
    extras: EngineExtras = {},
  ) {
    this.timers = extras.timers ?? DEFAULT_TIMER_SETTINGS;
    this.clockTimers = new TimerTable(options.clock);
    this.store = new InstanceStore(options.stateDir, { fsync: extras.fsync ?? true });
    this.finished = new FinishedIndex(options.stateDir);
    this.activitySlots = new Semaphore(Math.max(1, options.maxConcurrentActivityFunctions));
    this.orchestratorSlots = new Semaphore(Math.max(1, options.maxConcurrentOrchestratorFunctions));
    this.entities = new EntityTable({
      invoker: options.invoker,
      stateDir: options.stateDir,
      now: () => this.now(),
      deliver: (caller, event) => this.complete(caller.instanceId, caller.executionId, event),
      track: (work) => this.track(work),
      log: (line) => this.log(line),
    });
  }

  clientBindingData(): string {
    return clientBindingData(this.options.baseUrl, this.options.hubName, {
      rpcUrl: this.options.rpcUrl ?? this.options.baseUrl,
      systemKey: this.options.systemKey ?? '',
    });
  }

  handleHttp(req: http.IncomingMessage, res: http.ServerResponse, body: Buffer): Promise<boolean> {
    return handleManagementRequest(this, req, res, body);
  }

  async start(): Promise<void> {
    if (this.started) return;
    await this.store.init();
    this.entities.load();
    // Unfinished instances come back into memory; finished ones stay on disk, listed in the index.
    const finished: InstanceRow[] = [];
    await this.store.scan((inst) => {
      if (TERMINAL.has(inst.status)) finished.push(rowOf(inst));
      else this.instances.set(inst.instanceId, inst);
    });
    await this.finished.rebuild(finished);
    finished.length = 0;
    this.started = true;
    for (const inst of this.instances.values()) recoverInstance(inst, this);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.entities.stop();
    this.clockTimers.cancelAll();
    while (this.inFlight.size > 0 || this.running.size > 0) {
      await Promise.allSettled([...this.inFlight]);
      if (this.running.size > 0) await new Promise((r) => setImmediate(r));
    }
    await this.store.close();
    await this.finished.close();
  }

  idle(): boolean {
    return this.inFlight.size === 0 && this.running.size === 0;
  }

  getStatus(instanceId: string): OrchestrationStatusView | undefined {
    const inst = this.lookupSync(instanceId);
    return inst ? statusView(inst) : undefined;
  }

  /** The instance, from memory or (finished and paged out) from its log; a copy read from disk is not live. */
  async lookup(instanceId: string): Promise<Instance | undefined> {
    const resident = this.instances.get(instanceId);
    if (resident) return resident;
    const stored = await this.store.load(instanceId);
    // A read that raced a new start of the same id: the live instance is the one to use.
    return this.instances.get(instanceId) ?? stored;
  }

  /** `lookup` for synchronous callers (the engine API's status reads, restart). */
  lookupSync(instanceId: string): Instance | undefined {
    return this.instances.get(instanceId) ?? this.store.loadSync(instanceId);
  }

  /** Id, status and created time of every instance, resident or paged out (listing and purge by filter). */
  async rows(): Promise<InstanceRow[]> {
    const resident = [...this.instances.values()].map(rowOf);
    const all = await this.finished.rows();
    for (const row of resident) all.set(row.instanceId, row);
    return [...all.values()];
  }

  waitForStatus(
    instanceId: string,
    predicate: (status: OrchestrationStatusView) => boolean,
    timeoutMs = 30000,
  ): Promise<OrchestrationStatusView> {
    return this.watchers.wait(instanceId, predicate, timeoutMs);
  }

  stats(): EngineStats {
    return { ...this.counters, residentInstances: this.instances.size, openLogs: this.store.openLogs() };
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
    // Every unfinished instance is resident: one known only on disk is finished.
    if (!inst) return (await this.store.exists(instanceId)) ? 'gone' : false;
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
    if (!inst && !(await this.store.exists(instanceId))) return false;
    if (inst && this.instances.get(instanceId) === inst) {
      this.instances.delete(instanceId);
      this.cancelTimersOf(instanceId);
    }
    await this.store.remove(instanceId);
    await this.finished.remove(instanceId);
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
    const started = executionStartedEvent(inst, now);
    const q = inst.nextQ++;
    inst.inbox.push({ q, event: started });
    await this.store.rewrite(inst.instanceId, { r: 'exec', x }, { r: 'msg', q, e: started });
    this.notify();
    this.schedule(inst.instanceId);
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
  /** @internal */
  complete(instanceId: string, executionId: string, event: HistoryEvent): void {
    if (this.stopped) return;
    const inst = this.instances.get(instanceId);
    if (!inst || inst.executionId !== executionId || TERMINAL.has(inst.status)) return;
    this.track(this.deliver(inst, event));
  }

  /** @internal */
  schedule(instanceId: string): void {
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
      const message = error instanceof Error ? error.message : String(error);
      this.log(`durable: episode of '${instanceId}' failed: ${message}`);
      await this.failInternally(instanceId, message).catch(() => undefined);
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
      if (result.replayed > LARGE_HISTORY && !this.warnedLarge.has(inst.instanceId)) {
        this.warnedLarge.add(inst.instanceId);
        this.log(
          `durable: instance '${inst.instanceId}' has a history of ${result.replayed} events; every episode replays it (consider sub-orchestrations or continueAsNew)`,
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
    // A finished orchestration releases the entity locks it still holds, as the extension does.
    if (TERMINAL.has(inst.status)) {
      this.entities.releaseHeldBy(inst.instanceId);
      this.track(this.pageOut(inst));
    }
    this.notify();
  }

  /**
   * A finished instance leaves memory once its last record is written and its index row is (docs/durable-engine.md,
   * 'Memory and paging'); lookups by id read its log from then on.
   */
  private async pageOut(inst: Instance): Promise<void> {
    const id = inst.instanceId;
    if (this.instances.get(id) !== inst) return; // purged meanwhile
    await this.finished.add(rowOf(inst));
    // Replaced by a new start (reset in place) or purged while the row was written: nothing to page out.
    if (this.instances.get(id) !== inst || !TERMINAL.has(inst.status)) return;
    this.instances.delete(id);
    this.cancelTimersOf(id);
    this.warnedLarge.delete(id);
    this.counters.pagedOutInstances++;
  }

  /** An engine error must not leave an instance hanging: fail it with a message that says so. */
  private async failInternally(instanceId: string, message: string): Promise<void> {
    const inst = this.instances.get(instanceId);
    if (!inst || TERMINAL.has(inst.status) || this.stopped) return;
    const delta = new Delta(inst);
    const reason = `Orchestrator function '${inst.name}' failed: internal Durable engine error: ${message}`;
    inst.completion = { status: 'Failed', reason, details: exceptionDetails(reason), failureDetails: null };
    finalize(inst, delta, Math.max(this.now(), inst.lastStamp));
    await this.commit(inst, { record: delta.record(), effects: delta.effects, replayed: 0 });
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
    const started = { q: inst.nextQ++, event: executionStartedEvent(inst, this.now()) };
    inst.inbox = [started, ...kept];
    if (this.stopped) return;
    await this.store.rewrite(
      inst.instanceId,
      { r: 'exec', x },
      ...inst.inbox.map((m) => ({ r: 'msg' as const, q: m.q, e: m.event })),
    );
    this.notify();
  }

  /** @internal Carries out one side effect of a committed episode. */
  apply(inst: Instance, effect: SideEffect): void {
    const { instanceId, executionId } = inst;
    switch (effect.k) {
      case 'activity':
        this.track(this.activity(instanceId, executionId, effect.id, effect.name, effect.input));
        return;
      case 'timer': {
        const fireAt = effect.fireAt;
        this.clockTimers.arm(instanceId, effect.id, fireAt, () => {
          const fired = historyEvent(EventType.TimerFired, this.now(), {
            TimerId: effect.id,
            FireAt: new Date(fireAt).toISOString(),
          });
          this.complete(instanceId, executionId, fired);
        });
        return;
      }
      case 'http':
        this.track(
          this.activitySlots.run(async () => {
            if (this.stopped) return;
            const event = await runHttpCall(effect.id, effect.request, () => this.now());
            this.complete(instanceId, executionId, event);
          }),
        );
        return;
      case 'cancelTimer':
        this.cancelTimer(inst, effect.id);
        return;
      case 'child':
        this.track(this.startChild(inst, effect));
        return;
      case 'entity':
        this.entities.send(effect.message);
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
      const event = await runActivity(
        this.options.invoker,
        instanceId,
        id,
        name,
        input,
        () => this.now(),
        () => this.clientBindingData(),
      );
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

  private cancelTimer(inst: Instance, id: number): void {
    this.clockTimers.cancel(inst.instanceId, id);
  }

  private cancelTimersOf(instanceId: string): void {
    this.clockTimers.cancelInstance(instanceId);
  }

  private track(p: Promise<unknown>): void {
    const tracked = p.catch((error: unknown) => {
      this.log(`durable: background work failed: ${error instanceof Error ? error.message : String(error)}`);
    });
    this.inFlight.add(tracked);
    void tracked.finally(() => this.inFlight.delete(tracked));
  }

  private notify(): void {
    this.watchers.notify();
  }

  private log(line: string): void {
    (this.options.log ?? ((l: string) => console.error(l)))(line);
  }
}
