/**
 * Durable state on disk: one append-only JSON-lines log per instance (`<stateDir>/instances/<sha1(id)>.jsonl`).
 * Appends queued while a write is in flight are coalesced into one write + fdatasync, so a fan-out of n
 * completions costs O(n) bytes and far fewer than n syncs. A new execution (continue-as-new, replace)
 * rewrites the log atomically (temp file + rename), so eternal orchestrations do not grow it.
 */
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { applyRecord, type Instance, type LogRecord } from './instance';

type Op = { kind: 'append' | 'rewrite' | 'delete'; lines: string[]; done: Array<(error?: unknown) => void> };

class InstanceLog {
  private handle: fs.FileHandle | undefined;
  private ops: Op[] = [];
  private busy = false;
  private parked = false;

  constructor(
    private readonly file: string,
    private readonly sync: boolean,
  ) {}

  submit(kind: Op['kind'], records: readonly LogRecord[]): Promise<void> {
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
    if (!this.busy) void this.closeHandle();
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

  /** Reads every instance log. A torn last line (crash mid-write) is ignored. */
  async loadAll(): Promise<Instance[]> {
    const names = (await fs.readdir(this.dir)).filter((n) => n.endsWith('.jsonl'));
    const out: Instance[] = [];
    for (const name of names) {
      const text = await fs.readFile(path.join(this.dir, name), 'utf8');
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
      if (inst) out.push(inst);
    }
    return out;
  }

  append(instanceId: string, ...records: LogRecord[]): Promise<void> {
    return this.log(instanceId).submit('append', records);
  }

  rewrite(instanceId: string, ...records: LogRecord[]): Promise<void> {
    return this.log(instanceId).submit('rewrite', records);
  }

  remove(instanceId: string): Promise<void> {
    return this.log(instanceId).submit('delete', []);
  }

  /** Closes the file handle of an instance that went quiet once its writes are done. */
  park(instanceId: string): void {
    this.logs.get(instanceId)?.park();
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
      log = new InstanceLog(this.fileOf(instanceId), this.sync);
      this.logs.set(instanceId, log);
    }
    return log;
  }
}
