/** The admission ledger blob: read, change, write back with If-Match; ETag conflicts are retried here. */
import { EMPTY_LEDGER, type Ledger } from '../admission/policy';
import { AdapterError } from '../adapters/errors';
import type { BackendKind } from '../compute/port';
import { STATE_CONTAINER, statePaths } from '../runs/paths';
import type { RunStore } from './deps';

const MAX_CONFLICTS = 50;

function isConflict(error: unknown): boolean {
  return error instanceof AdapterError && (error.code === 'CONFLICT' || error.details.status === 412);
}

/**
 * Applies `change` to the ledger of `kind` under optimistic concurrency. `change` returns the new ledger and a
 * result, or `undefined` ledger to write nothing. Retries lost races with a short jittered pause.
 */
export async function updateLedger<T>(
  store: RunStore,
  kind: BackendKind,
  change: (ledger: Ledger) => { ledger?: Ledger; result: T },
): Promise<T> {
  const blob = statePaths.ledger(kind);
  for (let attempt = 1; ; attempt++) {
    const read = await store.readManifest<Ledger>(STATE_CONTAINER, blob);
    const { ledger, result } = change(read?.value ?? EMPTY_LEDGER);
    if (!ledger) return result;
    try {
      await store.writeManifest(STATE_CONTAINER, blob, ledger, read?.etag);
      return result;
    } catch (error) {
      if (!isConflict(error) || attempt >= MAX_CONFLICTS) throw error;
      await new Promise((resolve) => setTimeout(resolve, Math.floor(Math.random() * 20 * attempt)));
    }
  }
}
