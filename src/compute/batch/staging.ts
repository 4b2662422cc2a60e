import { shellQuote } from '../../pipeline/command';
import { STATE_CONTAINER, statePaths } from '../../runs/paths';
import type { BlobStore } from '../../storage/blob-store';
import { stagingContainerName, stagingPrefix } from '../naming';
import type { StepLaunch, StepRef } from '../port';

/**
 * What a Batch task may reach in storage, made before it is added (docs/security.md, "SAS"):
 * - its own staging container `fl-stage-<run>-<attempt>`, create+write only, HTTPS only, expiring with the
 *   step (BlobStore.sasExpiry): the node uploads `out/**` and `stdout.txt`/`stderr.txt` there by pattern;
 * - its secrets, in a blob of their own read with a read SAS for that blob alone.
 * The app collects the staging (storage/staging-containers.ts) before the attempt is reported final.
 */

/** Runs `fn` over `items`, at most `limit` at once, keeping order. */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

export const STAGING_CONCURRENCY = 8;

/** The attempt's staging container, made (idempotently) with its targets; its create+write SAS URL. */
export function stageAttempt(store: BlobStore, launch: StepLaunch): Promise<string> {
  return store.staging.create(
    stagingContainerName(launch),
    { outputs: launch.outputs, logs: launch.logs },
    store.sasExpiry(launch.timeoutMs),
  );
}

export async function collectAttempt(store: BlobStore, ref: StepRef, succeeded: boolean): Promise<void> {
  await store.staging.collect(stagingContainerName(ref), { outputs: succeeded });
}

/** Every staging container the run still has: logs only (outputs count only from a reported success). */
export async function collectRunStaging(store: BlobStore, runId: string): Promise<void> {
  const names = await store.staging.list(stagingPrefix(runId));
  await mapLimit(names, STAGING_CONCURRENCY, (name) => store.staging.collect(name, { outputs: false }));
}

/**
 * Resolved secrets never enter the task definition (anyone who can read the task could read them): they go to
 * a blob of their own under the run's state, fetched by the task with a read SAS for that blob alone.
 */
export async function stageSecrets(
  store: BlobStore,
  launch: StepLaunch,
  env: Readonly<Record<string, string>>,
): Promise<string | undefined> {
  const entries = Object.entries(env);
  if (entries.length === 0) return undefined;
  const blob = statePaths.stepSecrets(launch);
  const text = entries.map(([name, value]) => `${name}=${shellQuote(value)}\n`).join('');
  await store.putText(STATE_CONTAINER, blob, text);
  return store.readUrl(STATE_CONTAINER, blob, store.sasExpiry(launch.timeoutMs));
}
