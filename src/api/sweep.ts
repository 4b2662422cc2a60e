/**
 * The sweeper: deletes ACI groups and Batch jobs with flotilla tags whose run has ended or is unknown, or
 * whose expiry has passed, unless kept for debugging (keepOnFailure) and still within the keep time. It never
 * touches anything without flotilla tags (listManaged only returns tagged resources). Drops admission leases
 * of ended runs too.
 */
import type { DurableClient } from 'durable-functions';
import { type Ledger, releaseRuns } from '../admission/policy';
import type { BackendKind, ComputeBackend, ManagedResource } from '../compute/port';
import { STATE_CONTAINER, statePaths } from '../runs/paths';
import type { RunStore } from '../activities/deps';
import { updateLedger } from '../activities/ledger';
import { statusOrUndefined } from './run-view';

export interface SweepReport {
  examined: number;
  readonly deleted: { backend: BackendKind; name: string; runId: string; why: string }[];
  kept: number;
  errors: number;
}

const ALIVE = new Set(['Running', 'Pending', 'ContinuedAsNew', 'Suspended']);

interface KeptRecord {
  readonly keepUntil: string;
}

export async function sweep(
  deps: {
    store: RunStore;
    compute(kind: BackendKind): ComputeBackend;
    now: () => number;
    log: (line: string) => void;
  },
  client: Pick<DurableClient, 'getStatus'>,
  kinds: readonly BackendKind[],
): Promise<SweepReport> {
  const now = deps.now();
  const report: SweepReport = { examined: 0, deleted: [], kept: 0, errors: 0 };
  const runAlive = new Map<string, boolean>();
  const alive = async (runId: string) => {
    if (!runAlive.has(runId)) {
      const status = await statusOrUndefined(client, runId);
      runAlive.set(runId, status !== undefined && ALIVE.has(status.runtimeStatus));
    }
    return runAlive.get(runId) ?? false;
  };
  const keptUntil = async (r: ManagedResource) => {
    if (r.image === undefined || r.step === undefined || r.attempt === undefined) return undefined;
    const name = statePaths.kept(`${r.runId}/${r.image}/${r.step}/${r.attempt}`);
    const text = await deps.store.getText(STATE_CONTAINER, name);
    return text ? Date.parse((JSON.parse(text) as KeptRecord).keepUntil) : undefined;
  };
  for (const kind of kinds) {
    let resources: ManagedResource[];
    try {
      resources = await deps.compute(kind).listManaged();
    } catch (error) {
      deps.log(
        `sweeper could not list backend=${kind} error=${error instanceof Error ? error.message.split('\n')[0] : String(error)}`,
      );
      report.errors += 1;
      continue;
    }
    for (const resource of resources) {
      report.examined += 1;
      const expired = resource.expiresAt !== undefined && Date.parse(resource.expiresAt) < now;
      const runEnded = !(await alive(resource.runId));
      const keep = await keptUntil(resource);
      let why: string | undefined;
      if (keep !== undefined) why = keep < now ? 'keepOnFailure time passed' : undefined;
      else if (expired) why = 'expiry passed';
      else if (runEnded) why = 'run ended or unknown';
      if (!why) {
        if (keep !== undefined) report.kept += 1;
        continue;
      }
      try {
        await deps.compute(kind).deleteManaged(resource);
        report.deleted.push({ backend: kind, name: resource.name, runId: resource.runId, why });
        deps.log(
          `sweeper deleted backend=${kind} resource=${resource.name} runId=${resource.runId} reason="${why}"`,
        );
      } catch (error) {
        report.errors += 1;
        deps.log(
          `sweeper could not delete backend=${kind} resource=${resource.name} error=${error instanceof Error ? error.message.split('\n')[0] : String(error)}`,
        );
      }
    }
  }
  // Leases of ended runs go too (a lost release must not hold capacity until the lease expires).
  for (const kind of kinds) {
    const ledger = await deps.store.readManifest<Ledger>(STATE_CONTAINER, statePaths.ledger(kind));
    for (const lease of ledger?.value.leases ?? []) await alive(lease.runId);
  }
  const ended = new Set([...runAlive].filter(([, isAlive]) => !isAlive).map(([runId]) => runId));
  if (ended.size > 0) {
    for (const kind of kinds) {
      await updateLedger(deps.store, kind, (ledger) => {
        const next = releaseRuns(ledger, ended, now);
        return { ledger: next.leases.length !== ledger.leases.length ? next : undefined, result: null };
      });
    }
  }
  return report;
}
