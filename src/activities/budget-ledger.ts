/**
 * The run's budget ledger blob (`results/<runId>/budget.json`): the budget reservation of an admission
 * request, its settlement when the attempt ends, and its summary for the manifest. The decisions are
 * src/admission/budget.ts; this file reads and writes the blob (ETag-guarded, see ledger.ts).
 */
import {
  currencyProblem,
  emptyBudgetLedger,
  reserve,
  settle,
  summarise,
  worstCaseCost,
  type BudgetLedger,
  type BudgetSummary,
} from '../admission/budget';
import type { BackendKind } from '../compute/port';
import type { Prices } from '../runs/cost';
import { stepCost, slotShare } from '../runs/cost';
import { RESULTS_CONTAINER, runPaths } from '../runs/paths';
import type { BudgetClaim, SettleBudgetInput } from './contracts';
import type { RunStore } from './deps';
import { updateJsonBlob } from './json-blob-lane';

export type BudgetAnswer =
  | { readonly kind: 'reserved' }
  | { readonly kind: 'wait'; readonly reason: string }
  | { readonly kind: 'refused'; readonly reason: string };

/** Reserves the attempt's worst case in the run's budget (idempotent per lease id). */
export async function reserveBudget(
  store: RunStore,
  prices: Prices,
  request: {
    readonly runId: string;
    readonly leaseId: string;
    readonly kind: BackendKind;
    readonly cpu: number;
    readonly memoryGb: number;
  },
  claim: BudgetClaim,
): Promise<BudgetAnswer> {
  const problem = currencyProblem(claim, prices);
  if (problem) return { kind: 'refused', reason: problem };
  const worst = worstCaseCost(
    {
      backend: request.kind,
      cpu: request.cpu,
      memoryGb: request.memoryGb,
      timeoutMs: claim.timeoutMs,
      ...(claim.pool ? { pool: claim.pool } : {}),
    },
    prices,
  );
  const who = {
    leaseId: request.leaseId,
    imageKey: claim.imageKey,
    step: claim.step,
    attempt: claim.attempt,
  };
  return updateJsonBlob<BudgetLedger, BudgetAnswer>(
    store,
    RESULTS_CONTAINER,
    runPaths.budget(request.runId),
    emptyBudgetLedger(claim),
    (ledger) => {
      const decision = reserve(ledger, who, worst);
      if (decision.kind === 'wait') return { result: decision };
      return {
        ...(decision.changed ? { ledger: decision.ledger } : {}),
        result:
          decision.kind === 'reserved' ? { kind: 'reserved' } : { kind: 'refused', reason: decision.reason },
      };
    },
  );
}

/** Settles an attempt at its actual cost; nothing to do for a run without a budget or an unknown lease. */
export async function settleBudget(store: RunStore, prices: Prices, input: SettleBudgetInput): Promise<null> {
  const actual = stepCost(
    {
      backend: input.backend,
      cpu: input.cpu,
      memoryGb: input.memoryGb,
      runMs: input.runMs,
      share: slotShare(input.pool),
    },
    prices,
  );
  const blob = runPaths.budget(input.runId);
  if ((await store.readManifest<BudgetLedger>(RESULTS_CONTAINER, blob)) === undefined) return null;
  return updateJsonBlob<BudgetLedger | undefined, null>(
    store,
    RESULTS_CONTAINER,
    blob,
    undefined,
    (ledger) => ({
      ...(ledger ? { ledger: settle(ledger, input.leaseId, actual) } : {}),
      result: null,
    }),
  );
}

/** The run's budget summary, or undefined when it has none. */
export async function budgetSummary(store: RunStore, runId: string): Promise<BudgetSummary | undefined> {
  const read = await store.readManifest<BudgetLedger>(RESULTS_CONTAINER, runPaths.budget(runId));
  return read ? summarise(read.value) : undefined;
}
