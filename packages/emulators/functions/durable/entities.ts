/**
 * Durable entities (docs/durable-engine.md, 'Entities'): one actor per entity id `@name@key` with a message
 * queue, processed in batches through the entity function (the library's `Entity.handle`), state persisted
 * after every batch, and locks held by orchestrations (critical sections).
 */
import { mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import type { FunctionInvoker } from '../contracts';
import { EventType, historyEvent, type HistoryEvent } from './history';
import { namesOf, triggerBinding } from './invoke';

export interface EntityRef {
  readonly name: string;
  readonly key: string;
}

/** The calling orchestration of a request (absent for client signals). */
export interface EntityCaller {
  readonly instanceId: string;
  readonly executionId: string;
}

/** One queued message, the extension's `RequestMessage` (docs/durable-engine.md, 'Entities'). */
export interface EntityMessage {
  /** `@name@key` (name lower-cased, as `EntityId.getSchedulerIdFromEntityId`). */
  readonly target: string;
  readonly kind: 'op' | 'lock' | 'release';
  readonly id: string;
  readonly op?: string;
  /** JSON text or absent. */
  readonly input?: string;
  readonly signal?: boolean;
  readonly caller?: EntityCaller;
  /** Lock requests: every entity of the lock, sorted, and this message's position in it. */
  readonly lockSet?: readonly string[];
  readonly pos?: number;
}

interface EntityRecord {
  name: string;
  key: string;
  exists: boolean;
  state?: string;
  lastOperationTime: number;
  lockedBy?: string;
  queue: EntityMessage[];
  running: boolean;
}

export interface EntityView {
  readonly entityId: EntityRef;
  readonly exists: boolean;
  readonly state: unknown;
  readonly lastOperationTime: string;
  readonly lockedBy?: string;
}

export interface EntityHostSide {
  readonly invoker: FunctionInvoker;
  readonly stateDir: string;
  now(): number;
  /** Delivers an event to an orchestration (dropped if that execution is gone). */
  deliver(caller: EntityCaller, event: HistoryEvent): void;
  track(work: Promise<unknown>): void;
  log(line: string): void;
}

export function schedulerId(ref: EntityRef): string {
  return `@${ref.name.toLowerCase()}@${ref.key}`;
}

export function parseSchedulerId(id: string): EntityRef | undefined {
  const m = /^@([^@]+)@(.*)$/s.exec(id);
  return m ? { name: m[1]!, key: m[2]! } : undefined;
}

/** Whether `@name` of a scheduler id names a registered entity function. */
export function entityFunction(invoker: FunctionInvoker, name: string): string | undefined {
  const fn = invoker.find(name);
  return fn && triggerBinding(fn, 'entityTrigger') ? fn.name : undefined;
}

export class EntityTable {
  private readonly entities = new Map<string, EntityRecord>();
  private readonly dir: string;
  private stopped = false;

  constructor(private readonly side: EntityHostSide) {
    this.dir = path.join(side.stateDir, 'entities');
  }

  /** Loads persisted entity states (queues are not persisted: docs/durable-engine.md, 'Entities'). */
  load(): void {
    mkdirSync(this.dir, { recursive: true });
    for (const file of readdirSync(this.dir).filter((f) => f.endsWith('.json'))) {
      const saved = JSON.parse(readFileSync(path.join(this.dir, file), 'utf8')) as EntityRecord;
      const id = schedulerId(saved);
      this.entities.set(id, { ...saved, queue: [], running: false, lockedBy: saved.lockedBy });
    }
  }

  stop(): void {
    this.stopped = true;
  }

  get(id: string): EntityView | undefined {
    const e = this.entities.get(id);
    if (!e || (!e.exists && !e.lockedBy)) return undefined;
    return {
      entityId: { name: e.name, key: e.key },
      exists: e.exists,
      state: e.state === undefined ? null : (JSON.parse(e.state) as unknown),
      lastOperationTime: new Date(e.lastOperationTime).toISOString(),
      ...(e.lockedBy ? { lockedBy: e.lockedBy } : {}),
    };
  }

  list(name?: string): EntityView[] {
    return [...this.entities.keys()]
      .filter((id) => !name || id.startsWith(`@${name.toLowerCase()}@`))
      .sort()
      .map((id) => this.get(id))
      .filter((v): v is EntityView => v !== undefined);
  }

  /** Queues a message for its target entity and runs the entity if it is idle. */
  send(message: EntityMessage): void {
    if (this.stopped) return;
    const ref = parseSchedulerId(message.target);
    if (!ref) throw new Error(`'${message.target}' is not an entity id (expected @name@key).`);
    let e = this.entities.get(message.target);
    if (!e) {
      e = {
        name: ref.name,
        key: ref.key,
        exists: false,
        lastOperationTime: this.side.now(),
        queue: [],
        running: false,
      };
      this.entities.set(message.target, e);
    }
    e.queue.push(message);
    this.kick(message.target, e);
  }

  /** Frees every entity locked by `instanceId` (the orchestration finished). */
  releaseHeldBy(instanceId: string): void {
    for (const [id, e] of this.entities) {
      if (e.lockedBy !== instanceId) continue;
      this.send({
        target: id,
        kind: 'release',
        id: `${instanceId}:release`,
        caller: { instanceId, executionId: '' },
      });
    }
  }

  private runnable(e: EntityRecord, m: EntityMessage): boolean {
    return !e.lockedBy || (m.kind !== 'lock' && m.caller?.instanceId === e.lockedBy);
  }

  private kick(id: string, e: EntityRecord): void {
    if (e.running || this.stopped) return;
    e.running = true;
    this.side.track(
      this.drain(id, e).finally(() => {
        e.running = false;
        if (e.queue.some((m) => this.runnable(e, m))) this.kick(id, e);
      }),
    );
  }

  /**
   * Processes the queue: lock and release messages one by one, operations in batches of consecutive
   * runnable messages. While locked, only messages from the lock holder run; the others wait in order.
   */
  private async drain(id: string, e: EntityRecord): Promise<void> {
    for (;;) {
      if (this.stopped) return;
      const runnable = (m: EntityMessage) => this.runnable(e, m);
      const at = e.queue.findIndex(runnable);
      if (at < 0) return;
      const first = e.queue[at]!;
      if (first.kind === 'release') {
        e.queue.splice(at, 1);
        if (e.lockedBy === first.caller?.instanceId) e.lockedBy = undefined;
        this.persist(id, e);
        continue;
      }
      if (first.kind === 'lock') {
        e.queue.splice(at, 1);
        e.lockedBy = first.caller?.instanceId;
        this.persist(id, e);
        this.forwardLock(first);
        continue;
      }
      const batch: EntityMessage[] = [];
      for (let i = at; i < e.queue.length; i++) {
        const m = e.queue[i]!;
        if (m.kind !== 'op' || !runnable(m)) break;
        batch.push(m);
      }
      e.queue.splice(at, batch.length);
      await this.runBatch(id, e, batch);
    }
  }

  /** A lock request moves on to the next entity of its set; after the last one the orchestration is told. */
  private forwardLock(m: EntityMessage): void {
    const set = m.lockSet ?? [];
    const next = (m.pos ?? 0) + 1;
    if (next < set.length) {
      this.send({ ...m, target: set[next]!, pos: next });
      return;
    }
    if (m.caller) {
      const granted = JSON.stringify({ result: JSON.stringify('Lock Acquisition Completed') });
      this.side.deliver(
        m.caller,
        historyEvent(EventType.EventRaised, this.side.now(), { Name: m.id, Input: granted }),
      );
    }
  }

  private async runBatch(id: string, e: EntityRecord, batch: EntityMessage[]): Promise<void> {
    const fnName = entityFunction(this.side.invoker, e.name);
    if (!fnName) {
      const known = namesOf(this.side.invoker, 'entityTrigger').join(', ') || 'none';
      const why = `The function '${e.name}' doesn't exist or is not an entity function (entities: ${known}).`;
      this.side.log(`durable: entity '${id}': ${why}`);
      for (const m of batch) this.respond(m, { isError: true, result: JSON.stringify(why) });
      return;
    }
    const key = triggerBinding(this.side.invoker.find(fnName), 'entityTrigger')!;
    const binding = {
      self: { name: e.name, key: e.key },
      exists: e.exists,
      state: e.state,
      batch: batch.map((m) => ({
        id: m.id,
        name: m.op,
        signal: m.signal === true,
        ...(m.input !== undefined ? { input: m.input } : {}),
        ...(m.caller ? { parent: m.caller.instanceId } : {}),
      })),
    };
    const result = await this.side.invoker.invoke(fnName, {
      inputData: [{ name: key, data: { string: JSON.stringify(binding) } }],
      triggerMetadata: {},
    });
    e.lastOperationTime = this.side.now();
    if (!result.ok) {
      this.side.log(`durable: entity '${id}' failed: ${result.error.message}`);
      for (const m of batch) this.respond(m, { isError: true, result: JSON.stringify(result.error.message) });
      return;
    }
    const rv = result.returnValue;
    const text = rv?.json ?? rv?.string;
    const out = (typeof text === 'string' ? JSON.parse(text) : {}) as EntityStateWire;
    e.exists = out.entityExists === true;
    e.state = e.exists && typeof out.entityState === 'string' ? out.entityState : undefined;
    this.persist(id, e);
    batch.forEach((m, i) => this.respond(m, out.results?.[i] ?? { isError: false }));
    for (const s of out.signals ?? []) {
      this.send({
        target: schedulerId(s.target),
        kind: 'op',
        id: s.requestId ?? `${id}:${e.lastOperationTime}`,
        op: s.name,
        signal: true,
        ...(s.input ? { input: s.input } : {}),
      });
    }
  }

  /** Answers a call (not a signal) with the extension's `ResponseMessage` as an `EventRaised`. */
  private respond(m: EntityMessage, r: { isError: boolean; result?: string }): void {
    if (m.signal || !m.caller) return;
    const response = {
      ...(r.result !== undefined ? { result: r.result } : {}),
      ...(r.isError ? { exceptionType: 'Error' } : {}),
    };
    this.side.deliver(
      m.caller,
      historyEvent(EventType.EventRaised, this.side.now(), { Name: m.id, Input: JSON.stringify(response) }),
    );
  }

  private persist(id: string, e: EntityRecord): void {
    const file = path.join(this.dir, `${encodeURIComponent(id)}.json`);
    const saved = {
      name: e.name,
      key: e.key,
      exists: e.exists,
      ...(e.state !== undefined ? { state: e.state } : {}),
      lastOperationTime: e.lastOperationTime,
      ...(e.lockedBy ? { lockedBy: e.lockedBy } : {}),
    };
    writeFileSync(`${file}.tmp`, JSON.stringify(saved));
    renameSync(`${file}.tmp`, file);
  }
}

/** The library's `EntityState` (lib/src/entities/EntityState.js) as the entity function returns it. */
interface EntityStateWire {
  entityExists?: boolean;
  entityState?: string;
  results?: { isError: boolean; result?: string }[];
  signals?: { target: EntityRef; name: string; input?: string; requestId?: string }[];
}
