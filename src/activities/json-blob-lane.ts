/**
 * Group commit for a shared JSON blob (the admission ledgers, a run's budget ledger): every change a worker
 * asks for while a write of that blob is in flight joins the next batch, and a batch costs one read (often
 * none) and one conditional write, however many activities it serves. See docs/orchestration.md, "One blob,
 * many workers".
 *
 * Without it, 50 concurrent activities on one ledger race one another through If-Match: each lost race is a
 * 412, a pause and another read, so the storage calls per admission grow with the concurrency. Within one
 * process they now queue instead; across processes (several Functions workers) the ETag still decides, and
 * a lost race re-reads and re-applies the whole batch.
 *
 * - Changes apply in arrival order, each to the value the previous one left, exactly as if they had run one
 *   after another; a change that throws fails only its own caller and leaves the value as it was.
 * - Results are handed out only once the batch's write (if any) succeeded: nobody learns of a grant that
 *   was not stored.
 * - The value this process wrote last (and its ETag) is kept, so the next batch can write without reading
 *   first; another worker's write in between makes that write fail with 412 and the batch re-reads. An
 *   answer that writes nothing is never given from the kept value: it is re-read first, so "nothing to do"
 *   always means "nothing to do in storage" (a release never misses a lease another worker added).
 * - A change is a pure function of the value it gets: it returns a new value and never mutates its input
 *   (the kept value is handed to the next batch as it is).
 */
import { AdapterError } from '../adapters/errors';
import type { RunStore } from './deps';

/** What a change returns: the new value (`undefined`: write nothing) and its caller's result. */
export interface JsonBlobChange<V, T> {
  readonly ledger?: V;
  readonly result: T;
}

const MAX_CONFLICTS = 50;

interface Pending<V> {
  /** The value this caller's change sees while the blob does not exist. */
  readonly empty: V;
  readonly change: (value: V) => JsonBlobChange<V, unknown>;
  readonly resolve: (result: unknown) => void;
  readonly reject: (error: unknown) => void;
}

interface Lane<V> {
  readonly queue: Pending<V>[];
  running: boolean;
  /** The value and ETag of this process's last successful write (cleared by any doubt). */
  kept?: { readonly value: V; readonly etag: string };
}

const lanes = new WeakMap<RunStore, Map<string, Lane<unknown>>>();
/** Idle lanes kept per store (every run has a budget ledger of its own): the least recently used go first. */
const MAX_IDLE_LANES = 64;

function laneOf<V>(store: RunStore, key: string): Lane<V> {
  let byKey = lanes.get(store);
  if (!byKey) lanes.set(store, (byKey = new Map<string, Lane<unknown>>()));
  let lane = byKey.get(key);
  if (lane) byKey.delete(key);
  else lane = { queue: [], running: false };
  byKey.set(key, lane); // most recently used last
  if (byKey.size > MAX_IDLE_LANES) {
    for (const [oldKey, old] of byKey) {
      if (byKey.size <= MAX_IDLE_LANES) break;
      if (!old.running && old.queue.length === 0) byKey.delete(oldKey);
    }
  }
  return lane as Lane<V>;
}

function isConflict(error: unknown): boolean {
  return error instanceof AdapterError && (error.code === 'CONFLICT' || error.details.status === 412);
}

type Outcome = { ok: true; result: unknown } | { ok: false; error: unknown };

/** Applies the batch's changes in order to `start`; the value after them and each caller's outcome. */
function applyAll<V>(
  stored: { readonly value: V } | undefined,
  batch: readonly Pending<V>[],
): { value: V | undefined; changed: boolean; outcomes: Outcome[] } {
  let present = stored !== undefined;
  let value = stored?.value;
  let changed = false;
  const outcomes = batch.map((item): Outcome => {
    try {
      const { ledger, result } = item.change(present ? (value as V) : item.empty);
      if (ledger !== undefined) {
        value = ledger;
        present = true;
        changed = true;
      }
      return { ok: true, result };
    } catch (error) {
      return { ok: false, error };
    }
  });
  return { value, changed, outcomes };
}

async function commit<V>(
  store: RunStore,
  container: string,
  blob: string,
  lane: Lane<V>,
  batch: readonly Pending<V>[],
): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    const kept = lane.kept;
    const read = kept ?? (await store.readManifest<V>(container, blob));
    const { value, changed, outcomes } = applyAll(read, batch);
    if (!changed && kept) {
      // Never answer "nothing to write" from a value another worker may have moved on from.
      lane.kept = undefined;
      continue;
    }
    if (changed) {
      try {
        const etag = await store.writeManifest(container, blob, value, read?.etag);
        lane.kept = etag ? { value: value as V, etag } : undefined;
      } catch (error) {
        lane.kept = undefined;
        if (!isConflict(error) || attempt >= MAX_CONFLICTS) throw error;
        await new Promise((resolve) => setTimeout(resolve, Math.floor(Math.random() * 20 * attempt)));
        continue;
      }
    }
    outcomes.forEach((outcome, i) => {
      const item = batch[i];
      if (!item) return;
      if (outcome.ok) item.resolve(outcome.result);
      else item.reject(outcome.error);
    });
    return;
  }
}

async function drain<V>(store: RunStore, container: string, blob: string, lane: Lane<V>): Promise<void> {
  lane.running = true;
  try {
    // Callers of the same turn (Promise.all over activities) join the first batch too.
    await Promise.resolve();
    while (lane.queue.length > 0) {
      const batch = lane.queue.splice(0, lane.queue.length);
      try {
        await commit(store, container, blob, lane, batch);
      } catch (error) {
        for (const item of batch) item.reject(error);
      }
    }
  } finally {
    lane.running = false;
  }
}

/**
 * Applies `change` to the JSON blob `container/blob` (`empty` when it does not exist) under optimistic
 * concurrency, batched with the other changes of this process to the same blob (see above). Rejects with
 * the storage error when the batch cannot be written (after up to 50 lost races).
 */
export function updateJsonBlob<V, T>(
  store: RunStore,
  container: string,
  blob: string,
  empty: V,
  change: (value: V) => JsonBlobChange<V, T>,
): Promise<T> {
  const lane = laneOf<V>(store, `${container}/${blob}`);
  const done = new Promise<T>((resolve, reject) => {
    lane.queue.push({ empty, change, resolve: resolve as (result: unknown) => void, reject });
  });
  if (!lane.running) void drain(store, container, blob, lane);
  return done;
}
