/**
 * The on-disk index of finished instances that are paged out of memory (docs/durable-engine.md, 'Memory and
 * paging'): `<stateDir>/finished.jsonl`, one row `{i, s, c}` (id, runtime status, created time) per page-out
 * and a tombstone `{i, x: 1}` per purge; the last row of an id wins. Listing and purging by filter read it;
 * lookups by id read the instance's own log. The index is derived data: every start rebuilds it from the logs.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { RuntimeStatus } from '../contracts';
import { InstanceLog } from './store';

/** What listing filters and sorts on. */
export interface InstanceRow {
  readonly instanceId: string;
  readonly status: RuntimeStatus;
  readonly createdTime: number;
}

type IndexLine = { i: string; s: RuntimeStatus; c: number } | { i: string; x: 1 };

export class FinishedIndex {
  private readonly file: string;
  private readonly log: InstanceLog<IndexLine>;

  constructor(stateDir: string) {
    this.file = path.join(stateDir, 'finished.jsonl');
    // Derived data (rebuilt on start), so no fdatasync.
    this.log = new InstanceLog<IndexLine>(this.file, false);
  }

  /** Replaces the index with these rows (start: the finished instances found in the logs). */
  rebuild(rows: readonly InstanceRow[]): Promise<void> {
    return this.log.submit('rewrite', rows.map(line));
  }

  add(row: InstanceRow): Promise<void> {
    return this.log.submit('append', [line(row)]);
  }

  remove(instanceId: string): Promise<void> {
    return this.log.submit('append', [{ i: instanceId, x: 1 }]);
  }

  /** Every finished instance the index holds, last row per id; held only for the caller's query. */
  async rows(): Promise<Map<string, InstanceRow>> {
    const out = new Map<string, InstanceRow>();
    let text: string;
    try {
      text = await fs.readFile(this.file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return out;
      throw error;
    }
    for (const raw of text.split('\n')) {
      let row: IndexLine;
      try {
        row = JSON.parse(raw) as IndexLine;
      } catch {
        continue; // an empty line, or a torn last line of an append in progress
      }
      if ('x' in row) out.delete(row.i);
      else out.set(row.i, { instanceId: row.i, status: row.s, createdTime: row.c });
    }
    return out;
  }

  close(): Promise<void> {
    return this.log.close();
  }
}

function line(row: InstanceRow): IndexLine {
  return { i: row.instanceId, s: row.status, c: row.createdTime };
}
