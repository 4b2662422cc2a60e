/**
 * Durable state on disk: one append-only JSON-lines log per instance (`<stateDir>/instances/<sha1(id)>.jsonl`).
 * Appends queued while a write is in flight are coalesced into one write + fdatasync, so a fan-out of n
 * completions costs O(n) bytes and far fewer than n syncs. A new execution (continue-as-new, replace)
 * rewrites the log atomically (temp file + rename), so eternal orchestrations do not grow it. The log is also
 * where a finished instance lives once it is paged out of memory (docs/durable-engine.md, 'Memory and paging'):
 * `load` / `loadSync` rebuild it on demand, and a parked log keeps no handle or queue in memory.
 */
import { createHash } from 'node:crypto';
import { promises as fs, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { applyRecord, type Instance, type LogRecord } from './instance';

/** Rebuilds an instance from the text of its log; a torn last line (crash mid-write) is ignored. */
export function replayLog(text: string): Instance | undefined {
  let inst: Instance | undefined;
  for (const line of text.split('\n')) {
    if (!line) continue;
    let rec: LogRecord;
    try {
      rec = JSON.parse(line) as LogRecord;
    } catch {
      break;
    }
    inst = applyRecord(inst, rec);
  }
  return inst;
}

function missing(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
}

type Op = { kind: 'append' | 'rewrite' | 'delete'; lines: string[]; done: Array<(error?: unknown) => void> };

/** One JSON-lines file with a queue of coalesced writes; `T` is the record type (instance logs: `LogRecord`). */
export class InstanceLog<T = LogRecord> {
  private handle: fs.FileHandle | undefined;
  private ops: Op[] = [];
  private busy = false;
  private parked = false;

  constructor(
    private readonly file: string,
    private readonly sync: boolean,
    /** Called when the log is parked and has nothing left to write (its owner may forget it then). */
    private readonly onIdle: () => void = () => undefined,
  ) {}

  submit(kind: Op['kind'], records: readonly T[]): Promise<void> {
    const lines = records.map((r) => JSON.stringify(r) + '\n');
    return new Promise((resolve, reject) => {
      const done = (error?: unknown) => {
        if (error === undefined) resolve();
        else reject(error instanceof Error ? error : new Error('state write failed'));
      };
      const last = this.ops[this.ops.length - 1];
      if (kind === 'append' && last?.kind === 'append') {
        last.lines.push(...lines);
        last.done.push(done);
      } else {
        this.ops.push({ kind, lines, done: [done] });
      }
      if (!this.busy) void this.drain();
    });
  }

  /** Closes the file handle once the queue drains (it reopens on the next write). */
  park(): void {
    this.parked = true;
    if (this.busy) return;
    void this.closeHandle().catch(() => undefined);
    this.onIdle();
  }

  async close(): Promise<void> {
    while (this.busy || this.ops.length > 0) await new Promise((r) => setImmediate(r));
    await this.closeHandle();
  }

  private async closeHandle(): Promise<void> {
    const h = this.handle;
    this.handle = undefined;
    await h?.close();
  }

  private async drain(): Promise<void> {
    this.busy = true;
    for (;;) {
      while (this.ops.length > 0) {
        const op = this.ops.shift()!;
        try {
          await this.run(op);
          for (const d of op.done) d();
        } catch (error) {
          for (const d of op.done) d(error);
        }
      }
      if (this.parked) await this.closeHandle().catch(() => undefined);
      if (this.ops.length === 0) break;
    }
    this.busy = false;
    if (this.parked) this.onIdle();
  }

  private async run(op: Op): Promise<void> {
    if (op.kind === 'append') {
      this.handle ??= await fs.open(this.file, 'a');
      await this.handle.appendFile(op.lines.join(''));
      if (this.sync) await this.handle.datasync();
      return;
    }
    const h = this.handle;
    this.handle = undefined;
    await h?.close();
    if (op.kind === 'delete') {
      await fs.rm(this.file, { force: true });
      return;
    }
    const tmp = `${this.file}.tmp`;
    const fh = await fs.open(tmp, 'w');
    try {
      await fh.writeFile(op.lines.join(''));
      if (this.sync) await fh.datasync();
    } finally {
      await fh.close();
    }
    await fs.rename(tmp, this.file);
  }
}

export interface StoreOptions {
  /** fdatasync after each coalesced write (default true). */
  readonly fsync?: boolean;
}

export class InstanceStore {
  private readonly dir: string;
  private readonly logs = new Map<string, InstanceLog>();
  private readonly sync: boolean;

  constructor(stateDir: string, options: StoreOptions = {}) {
    this.dir = path.join(stateDir, 'instances');
    this.sync = options.fsync ?? true;
  }

  async init(): Promise<void> {
    await fs.mkdir(this.dir, { recursive: true });
  }

  /** Reads every instance log, one at a time, handing each instance to `visit` (which may keep it or not). */
  async scan(visit: (inst: Instance) => void): Promise<void> {
    const names = (await fs.readdir(this.dir)).filter((n) => n.endsWith('.jsonl'));
    for (const name of names) {
      const inst = replayLog(await fs.readFile(path.join(this.dir, name), 'utf8'));
      if (inst) visit(inst);
    }
  }

  /** The instance as its log holds it, or undefined when it has no log. */
  async load(instanceId: string): Promise<Instance | undefined> {
    try {
      return this.own(instanceId, replayLog(await fs.readFile(this.fileOf(instanceId), 'utf8')));
    } catch (error) {
      if (missing(error)) return undefined;
      throw error;
    }
  }

  /** `load` for synchronous callers (status reads of the engine API, restart). */
  loadSync(instanceId: string): Instance | undefined {
    try {
      return this.own(instanceId, replayLog(readFileSync(this.fileOf(instanceId), 'utf8')));
    } catch (error) {
      if (missing(error)) return undefined;
      throw error;
    }
  }

  async exists(instanceId: string): Promise<boolean> {
    try {
      await fs.access(this.fileOf(instanceId));
      return true;
    } catch (error) {
      if (missing(error)) return false;
      throw error;
    }
  }

  append(instanceId: string, ...records: LogRecord[]): Promise<void> {
    return this.log(instanceId).submit('append', records);
  }

  rewrite(instanceId: string, ...records: LogRecord[]): Promise<void> {
    return this.log(instanceId).submit('rewrite', records);
  }

  remove(instanceId: string): Promise<void> {
    const log = this.log(instanceId);
    const done = log.submit('delete', []);
    log.park();
    return done;
  }

  /** Closes the file handle of an instance that went quiet, and forgets its log, once its writes are done. */
  park(instanceId: string): void {
    this.logs.get(instanceId)?.park();
  }

  /** Logs held in memory (open handles or queued writes): instances in flight, not every instance ever run. */
  openLogs(): number {
    return this.logs.size;
  }

  async close(): Promise<void> {
    await Promise.all([...this.logs.values()].map((log) => log.close()));
    this.logs.clear();
  }

  fileOf(instanceId: string): string {
    return path.join(this.dir, `${createHash('sha1').update(instanceId).digest('hex')}.jsonl`);
  }

  private log(instanceId: string): InstanceLog {
    let log = this.logs.get(instanceId);
    if (!log) {
      const created = new InstanceLog(this.fileOf(instanceId), this.sync, () => {
        if (this.logs.get(instanceId) === created) this.logs.delete(instanceId);
      });
      this.logs.set(instanceId, created);
      log = created;
    }
    return log;
  }

  /** Two ids never share a file in practice (sha1); a log holding another id counts as no log. */
  private own(instanceId: string, inst: Instance | undefined): Instance | undefined {
    return inst?.instanceId === instanceId ? inst : undefined;
  }
}
