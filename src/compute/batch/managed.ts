import type { BatchServiceClient } from '@azure/batch';
import { AdapterError, isNotFound } from '../../adapters/errors';
import { ownedBy } from '../naming';
import type { ManagedResource } from '../port';
import { msSignal } from './batch-client';

/**
 * What the sweeper sees of Batch: this deployment's jobs (one per run) and the pools it made from specs,
 * and their deletion (terminate, then delete; gone or going counts as done).
 */
export type BatchCall = <T>(operation: string, fn: (signal: AbortSignal) => Promise<T>) => Promise<T>;

const serviceCode = (error: unknown) =>
  error instanceof AdapterError ? error.details.serviceCode : undefined;

/** Pools this deployment made from specs (named pools are the operator's and never listed). */
export async function listPools(
  client: BatchServiceClient,
  call: BatchCall,
  deploymentId: string,
): Promise<string[]> {
  const out: string[] = [];
  let page = await call('Pool_List', (abortSignal) =>
    client.pool.list({ poolListOptions: { select: 'id,metadata' }, abortSignal: msSignal(abortSignal) }),
  );
  for (;;) {
    for (const pool of page) {
      const tags = Object.fromEntries((pool.metadata ?? []).map((m) => [m.name, m.value]));
      if (pool.id && ownedBy(tags, deploymentId)) out.push(pool.id);
    }
    const link = page.odatanextLink;
    if (!link) break;
    page = await call('Pool_List', (abortSignal) =>
      client.pool.listNext(link, { abortSignal: msSignal(abortSignal) }),
    );
  }
  return out;
}

export async function listJobs(
  client: BatchServiceClient,
  call: BatchCall,
  deploymentId: string,
): Promise<(ManagedResource & { poolId?: string })[]> {
  const out: (ManagedResource & { poolId?: string })[] = [];
  let page = await call('Job_List', (abortSignal) =>
    client.job.list({
      jobListOptions: { select: 'id,metadata,state,poolInfo' },
      abortSignal: msSignal(abortSignal),
    }),
  );
  for (;;) {
    for (const job of page) {
      const tags = Object.fromEntries((job.metadata ?? []).map((m) => [m.name, m.value]));
      if (!ownedBy(tags, deploymentId) || !job.id || !tags.run) continue;
      out.push({
        backend: 'batch',
        name: job.id,
        runId: tags.run,
        ...(tags.expiry ? { expiresAt: tags.expiry } : {}),
        ...(job.poolInfo?.poolId ? { poolId: job.poolInfo.poolId } : {}),
      });
    }
    const link = page.odatanextLink;
    if (!link) break;
    page = await call('Job_List', (abortSignal) =>
      client.job.listNext(link, { abortSignal: msSignal(abortSignal) }),
    );
  }
  return out;
}

export async function deletePool(client: BatchServiceClient, call: BatchCall, id: string): Promise<void> {
  await call('Pool_Delete', (abortSignal) =>
    client.pool.deleteMethod(id, { abortSignal: msSignal(abortSignal) }),
  ).catch((error: unknown) => {
    if (!isNotFound(error) && serviceCode(error) !== 'PoolBeingDeleted') throw error;
  });
}

const gone = (error: unknown) => {
  if (!isNotFound(error) && serviceCode(error) !== 'JobBeingDeleted') throw error;
};

/** Ends the job's tasks if it is still active (a completed, terminating or gone job is done). */
export async function terminateJob(client: BatchServiceClient, call: BatchCall, id: string): Promise<void> {
  await call('Job_Terminate', (abortSignal) =>
    client.job.terminate(id, { abortSignal: msSignal(abortSignal) }),
  ).catch((error: unknown) => {
    const code = serviceCode(error);
    if (code === 'JobCompleted' || code === 'JobBeingTerminated') return;
    gone(error);
  });
}

/** Deletes the job (gone or being deleted is done). */
export async function deleteJob(client: BatchServiceClient, call: BatchCall, id: string): Promise<void> {
  await call('Job_Delete', (abortSignal) =>
    client.job.deleteMethod(id, { abortSignal: msSignal(abortSignal) }),
  ).catch(gone);
}
