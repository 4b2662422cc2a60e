/** The admission ledger blob: changes are batched and written back with If-Match (src/activities/json-blob-lane.ts). */
import { EMPTY_LEDGER, type Ledger } from '../admission/policy';
import type { BackendKind } from '../compute/port';
import { STATE_CONTAINER, statePaths } from '../runs/paths';
import type { RunStore } from './deps';
import { updateJsonBlob } from './json-blob-lane';

/** Applies `change` to the ledger of `kind` (see updateJsonBlob). */
export async function updateLedger<T>(
  store: RunStore,
  kind: BackendKind,
  change: (ledger: Ledger) => { ledger?: Ledger; result: T },
): Promise<T> {
  return updateJsonBlob(store, STATE_CONTAINER, statePaths.ledger(kind), EMPTY_LEDGER, change);
}
