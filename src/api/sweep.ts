/**
 * The sweeper: deletes this deployment's ACI groups and Batch jobs whose run has ended or is unknown, whose
 * expiry has passed, or whose step handed its teardown over (`teardown=deferred`), unless kept for debugging
 * (keepOnFailure) and still within the keep time. It deletes only what it knows is orphaned: a run whose
 * state it cannot read now (a transient error) is skipped until the next sweep, never taken for ended; it
 * never touches anything without this deployment's tags (listManaged returns only those). ACI deletes go
 * through the same delete admission as the steps' (docs/orchestration.md, "Teardown under delete limits").
 * Drops admission leases of ended runs too.
 */
import type { LogLevel } from '../telemetry/logger';
import type { DurableClient } from 'durable-functions';
import { decideDelete, type DeleteDecision } from '../admission/delete-policy';
import { type Ledger, release, releaseRuns } from '../admission/policy';
import type { BackendKind, ComputeBackend, ManagedResource } from '../compute/port';
import { STATE_CONTAINER, statePaths } from '../runs/paths';
import { messageOf, type RunStore } from '../activities/deps';
import { updateLedger } from '../activities/ledger';
import type { AdmissionLimits } from '../admission/policy';

export interface SweepReport {
  examined: number;
  readonly deleted: { backend: BackendKind; name: string; runId: string; why: string }[];
  kept: number;
  /** Resources left for the next sweep: their run's state could not be read, or deletes are throttled. */
  skipped: number;
  errors: number;
}

export interface SweepDeps {
  store: RunStore;
  compute(kind: BackendKind): ComputeBackend;
  limits: Pick<AdmissionLimits, 'aciDeletesPer5Min' | 'aciDeletesPerHour'>;
  now: () => number;
  log: (line: string, level?: LogLevel) => void;
}

const ALIVE = new Set(['Running', 'Pending', 'ContinuedAsNew', 'Suspended']);
/** How the durable client says an instance does not exist (any other failure says nothing about the run). */
const NOT_FOUND = /\b404\b/;

/** The resource's state cannot be known this sweep: leave it for the next. */
const SKIP = Symbol('skip');

type RunState = 'alive' | 'ended' | 'unreadable';

interface KeptRecord {
  readonly keepUntil: string;
}

const leaseIdOf = (r: ManagedResource) => `${r.runId}:${r.image}:${r.step}#${r.attempt}`;

export async function sweep(
  deps: SweepDeps,
  client: Pick<DurableClient, 'getStatus'>,
  kinds: readonly BackendKind[],
): Promise<SweepReport> {
  const now = deps.now();
  const report: SweepReport = { examined: 0, deleted: [], kept: 0, skipped: 0, errors: 0 };
  const runs = new Map<string, RunState>();
  const runState = async (runId: string): Promise<RunState> => {
    const known = runs.get(runId);
    if (known) return known;
    let state: RunState;
    try {
      const status = await client.getStatus(runId);
      state = status && ALIVE.has(status.runtimeStatus) ? 'alive' : 'ended';
    } catch (error) {
      state = NOT_FOUND.test(messageOf(error)) ? 'ended' : 'unreadable';
      if (state === 'unreadable')
        deps.log(`sweeper could not read run runId=${runId} error=${messageOf(error)}`, 'warn');
    }
    runs.set(runId, state);
    return state;
  };
  const keptUntil = async (r: ManagedResource) => {
    if (r.image === undefined || r.step === undefined || r.attempt === undefined) return undefined;
    const name = statePaths.kept(`${r.runId}/${r.image}/${r.step}/${r.attempt}`);
    const text = await deps.store.getText(STATE_CONTAINER, name);
    return text ? Date.parse((JSON.parse(text) as KeptRecord).keepUntil) : undefined;
  };
  /** Why `resource` is an orphan, `undefined` when it is not, `skip` when that cannot be known now. */
  const orphaned = async (resource: ManagedResource): Promise<string | undefined | typeof SKIP> => {
    let keep: number | undefined;
    try {
      keep = await keptUntil(resource);
    } catch (error) {
      deps.log(
        `sweeper could not read the keep record resource=${resource.name} error=${messageOf(error)}`,
        'warn',
      );
      return SKIP;
    }
    if (keep !== undefined) {
      if (keep >= now) report.kept += 1;
      return keep < now ? 'keepOnFailure time passed' : undefined;
    }
    if (resource.pool) return resource.pool.unused ? 'no job of this deployment uses the pool' : undefined;
    if (resource.teardownDeferred) return 'teardown deferred by its step';
    if (resource.expiresAt !== undefined && Date.parse(resource.expiresAt) < now) return 'expiry passed';
    const state = await runState(resource.runId);
    if (state === 'unreadable') return SKIP;
    return state === 'ended' ? 'run ended or unknown' : undefined;
  };
  let aciThrottled = false;
  for (const kind of kinds) {
    let resources: ManagedResource[];
    try {
      resources = await deps.compute(kind).listManaged();
    } catch (error) {
      deps.log(`sweeper could not list backend=${kind} error=${messageOf(error)}`, 'warn');
      report.errors += 1;
      continue;
    }
    for (const resource of resources) {
      report.examined += 1;
      const why = await orphaned(resource);
      if (why === undefined) continue;
      if (why === SKIP || (kind === 'aci' && aciThrottled)) {
        report.skipped += 1;
        continue;
      }
      try {
        if (kind === 'aci' && !(await admitDelete(deps))) {
          aciThrottled = true;
          report.skipped += 1;
          continue;
        }
        await deps.compute(kind).deleteManaged(resource);
        if (kind === 'aci' && resource.image !== undefined) await releaseLease(deps, leaseIdOf(resource));
        report.deleted.push({ backend: kind, name: resource.name, runId: resource.runId, why });
        deps.log(
          `sweeper deleted backend=${kind} resource=${resource.name} runId=${resource.runId} reason="${why}"`,
        );
      } catch (error) {
        report.errors += 1;
        deps.log(
          `sweeper could not delete backend=${kind} resource=${resource.name} error=${messageOf(error)}`,
          'warn',
        );
      }
    }
  }
  await dropEndedLeases(deps, kinds, runState, runs);
  return report;
}

async function admitDelete(deps: SweepDeps): Promise<boolean> {
  const decision = await updateLedger<DeleteDecision>(deps.store, 'aci', (ledger) => {
    const d = decideDelete(ledger, deps.now(), deps.limits);
    return { ledger: d.granted ? d.ledger : undefined, result: d };
  });
  return decision.granted;
}

async function releaseLease(deps: SweepDeps, leaseId: string): Promise<void> {
  await updateLedger(deps.store, 'aci', (ledger) => ({
    ledger: ledger.leases.some((l) => l.id === leaseId) ? release(ledger, leaseId, deps.now()) : undefined,
    result: null,
  }));
}

/** Leases of ended runs go too (a lost release must not hold capacity until the lease expires). */
async function dropEndedLeases(
  deps: SweepDeps,
  kinds: readonly BackendKind[],
  runState: (runId: string) => Promise<RunState>,
  runs: ReadonlyMap<string, RunState>,
): Promise<void> {
  for (const kind of kinds) {
    const ledger = await deps.store.readManifest<Ledger>(STATE_CONTAINER, statePaths.ledger(kind));
    for (const lease of ledger?.value.leases ?? []) await runState(lease.runId);
  }
  const ended = new Set([...runs].filter(([, state]) => state === 'ended').map(([runId]) => runId));
  if (ended.size === 0) return;
  for (const kind of kinds) {
    await updateLedger(deps.store, kind, (ledger) => {
      const next = releaseRuns(ledger, ended, deps.now());
      return { ledger: next.leases.length !== ledger.leases.length ? next : undefined, result: null };
    });
  }
}
