/** GET /api/runs: newest first, filtered by pipeline (from the index name) and status (from the orchestration). */
import type { DurableClient } from 'durable-functions';
import type { RunCustomStatus, RunOutput } from '../orchestrators/contracts';
import { STATE_CONTAINER } from '../runs/paths';
import type { BlobStore } from '../storage/blob-store';
import { parseRunIndexName, RUN_INDEX_PREFIX } from './run-index';
import { statusOrUndefined } from './run-view';

export interface RunSummary {
  readonly runId: string;
  readonly pipeline: string;
  readonly createdAt: string;
  readonly status: string;
  readonly phase?: string;
}

export function summaryStatus(runtimeStatus: string | undefined, output: unknown): string {
  if (runtimeStatus === 'Completed') return (output as RunOutput | null)?.status ?? 'succeeded';
  if (runtimeStatus === 'Terminated') return 'terminated';
  if (runtimeStatus === 'Failed' || runtimeStatus === 'Canceled') return 'failed';
  if (runtimeStatus === 'Pending' || runtimeStatus === undefined) return 'pending';
  return 'running';
}

/** Statuses are read for at most this many index entries per request. */
const MAX_SCANNED = 1000;

export async function listRuns(
  store: Pick<BlobStore, 'list'>,
  client: Pick<DurableClient, 'getStatus'>,
  filter: { pipeline?: string; status?: string; limit: number },
): Promise<{ runs: RunSummary[]; truncated: boolean }> {
  const entries = (await store.list(STATE_CONTAINER, RUN_INDEX_PREFIX))
    .map((b) => parseRunIndexName(b.name))
    .filter((e) => e !== undefined)
    .filter((e) => !filter.pipeline || e.pipeline === filter.pipeline);
  const runs: RunSummary[] = [];
  let scanned = 0;
  for (const entry of entries) {
    if (runs.length >= filter.limit || scanned >= MAX_SCANNED) break;
    scanned += 1;
    const status = await statusOrUndefined(client, entry.runId);
    const summary: RunSummary = {
      ...entry,
      status: summaryStatus(status?.runtimeStatus, status?.output),
      ...((status?.customStatus as RunCustomStatus | null)?.phase
        ? { phase: (status?.customStatus as RunCustomStatus).phase }
        : {}),
    };
    if (!filter.status || summary.status === filter.status) runs.push(summary);
  }
  return { runs, truncated: runs.length >= filter.limit && scanned < entries.length };
}
