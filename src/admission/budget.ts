/**
 * A run's budget as pure logic (docs/orchestration.md, "Admission with a budget"). Before an attempt starts,
 * admission reserves its worst case (its timeout at the price of its resources); when it ends, `settle`
 * replaces the reservation with what it really cost. An attempt is admitted only while
 *
 *   settled + reserved + worst case <= maxCost
 *
 * so nothing starts that could push the run past its cap. When it does not fit but would once the attempts
 * in flight settle (settled + worst case <= maxCost), it waits; when even that fails it can never fit (what
 * is settled only grows): it is refused, recorded, and the run ends `budget_exceeded`.
 */
import { stepCost, slotShare, type Prices } from '../runs/cost';
import type { StepPlan } from '../runs/plan';

export interface Budget {
  readonly maxCost: number;
  /** ISO 4217, upper case; must be the prices' currency (FLOTILLA_PRICE_CURRENCY). */
  readonly currency: string;
}

/** What did not run because of the budget. */
export interface BudgetRefusal {
  readonly leaseId: string;
  readonly imageKey: string;
  readonly step: string;
  readonly attempt: number;
  readonly worstCost: number;
}

/** `results/<runId>/budget.json`: the run's reservations and settled costs, by lease (attempt) id. */
export interface BudgetLedger {
  readonly maxCost: number;
  readonly currency: string;
  readonly reserved: Readonly<Record<string, number>>;
  readonly settled: Readonly<Record<string, number>>;
  readonly refused: readonly BudgetRefusal[];
}

export type ReserveDecision =
  | { readonly kind: 'reserved'; readonly ledger: BudgetLedger; readonly changed: boolean }
  | { readonly kind: 'wait'; readonly reason: string }
  | {
      readonly kind: 'refused';
      readonly ledger: BudgetLedger;
      readonly changed: boolean;
      readonly reason: string;
    };

/** Costs are compared with this tolerance, so floating-point sums never refuse an exact fit. */
const EPSILON = 1e-9;

export function emptyBudgetLedger(budget: Budget): BudgetLedger {
  return { maxCost: budget.maxCost, currency: budget.currency, reserved: {}, settled: {}, refused: [] };
}

const sum = (values: Readonly<Record<string, number>>): number =>
  Object.values(values).reduce((total, v) => total + v, 0);

export const spentOf = (ledger: BudgetLedger): number => sum(ledger.settled);
export const reservedOf = (ledger: BudgetLedger): number => sum(ledger.reserved);

/** The most one attempt of `step` can cost: its whole timeout at the price of its resources. */
export function worstCaseCost(
  step: Pick<StepPlan, 'backend' | 'cpu' | 'memoryGb' | 'timeoutMs' | 'pool'>,
  prices: Prices,
): number {
  return stepCost({ ...step, runMs: step.timeoutMs, share: slotShare(step.pool) }, prices);
}

/** Null when the prices can price this budget; else why not (a currency mismatch). */
export function currencyProblem(budget: Budget, prices: Prices): string | null {
  return budget.currency === prices.currency
    ? null
    : `the budget is in ${budget.currency} but prices are in ${prices.currency} (FLOTILLA_PRICE_CURRENCY); give the budget in ${prices.currency}`;
}

const money = (value: number, currency: string): string => `${value.toFixed(6)} ${currency}`;

/** Reserves `worstCost` for `who.leaseId`. Idempotent: an attempt reserved, settled or refused keeps its answer. */
export function reserve(
  ledger: BudgetLedger,
  who: Omit<BudgetRefusal, 'worstCost'>,
  worstCost: number,
): ReserveDecision {
  const { leaseId } = who;
  if (leaseId in ledger.reserved || leaseId in ledger.settled)
    return { kind: 'reserved', ledger, changed: false };
  const spent = spentOf(ledger);
  const reserved = reservedOf(ledger);
  const c = ledger.currency;
  const refusal = `${who.step} needs up to ${money(worstCost, c)} (its timeout at its price); ${money(spent, c)} of the budget of ${money(ledger.maxCost, c)} is spent`;
  if (ledger.refused.some((r) => r.leaseId === leaseId))
    return { kind: 'refused', ledger, changed: false, reason: refusal };
  if (spent + worstCost > ledger.maxCost + EPSILON)
    return {
      kind: 'refused',
      changed: true,
      reason: refusal,
      ledger: { ...ledger, refused: [...ledger.refused, { ...who, worstCost }] },
    };
  if (spent + reserved + worstCost > ledger.maxCost + EPSILON)
    return {
      kind: 'wait',
      reason: `budget: ${money(reserved, c)} is reserved by steps in flight; ${who.step} needs up to ${money(worstCost, c)}`,
    };
  return {
    kind: 'reserved',
    changed: true,
    ledger: { ...ledger, reserved: { ...ledger.reserved, [leaseId]: worstCost } },
  };
}

/**
 * Ends an attempt's reservation at its actual cost (0 for one that never started). Idempotent: a settled or
 * unknown lease (never reserved, or refused) changes nothing.
 */
export function settle(ledger: BudgetLedger, leaseId: string, actualCost: number): BudgetLedger | undefined {
  if (!(leaseId in ledger.reserved)) return undefined;
  const reserved = Object.fromEntries(Object.entries(ledger.reserved).filter(([id]) => id !== leaseId));
  return { ...ledger, reserved, settled: { ...ledger.settled, [leaseId]: Math.max(0, actualCost) } };
}

/** The budget section of status and manifest. */
export interface BudgetSummary {
  readonly maxCost: number;
  readonly currency: string;
  readonly spent: number;
  readonly reserved: number;
  readonly exceeded: boolean;
  /** The steps refused, by image: what did not run because of the budget. */
  readonly refused: readonly BudgetRefusal[];
}

export function summarise(ledger: BudgetLedger): BudgetSummary {
  const round = (v: number) => Math.round(v * 1e6) / 1e6;
  return {
    maxCost: ledger.maxCost,
    currency: ledger.currency,
    spent: round(spentOf(ledger)),
    reserved: round(reservedOf(ledger)),
    exceeded: ledger.refused.length > 0,
    refused: ledger.refused,
  };
}
