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
 * Applies `change` to the JSON blob `container/blob` (`empty` when it does not exist) under optimistic
 * concurrency. `change` returns the new value and a result, or `undefined` value to write nothing. Retries
 * lost races with a short jittered pause.
 */
export async function updateJsonBlob<V, T>(
  store: RunStore,
  container: string,
  blob: string,
  empty: V,
  change: (value: V) => { ledger?: V; result: T },
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const read = await store.readManifest<V>(container, blob);
    const { ledger, result } = change(read?.value ?? empty);
    if (!ledger) return result;
    try {
      await store.writeManifest(container, blob, ledger, read?.etag);
      return result;
    } catch (error) {
      if (!isConflict(error) || attempt >= MAX_CONFLICTS) throw error;
      await new Promise((resolve) => setTimeout(resolve, Math.floor(Math.random() * 20 * attempt)));
    }
  }
}

/** Applies `change` to the ledger of `kind` (see updateJsonBlob). */
export async function updateLedger<T>(
  store: RunStore,
  kind: BackendKind,
  change: (ledger: Ledger) => { ledger?: Ledger; result: T },
): Promise<T> {
  return updateJsonBlob(store, STATE_CONTAINER, statePaths.ledger(kind), EMPTY_LEDGER, change);
}
