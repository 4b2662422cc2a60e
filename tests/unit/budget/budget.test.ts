import {
  currencyProblem,
  emptyBudgetLedger,
  reserve,
  reservedOf,
  settle,
  spentOf,
  summarise,
  worstCaseCost,
  type BudgetLedger,
} from '../../../src/admission/budget';
import type { Prices } from '../../../src/runs/cost';
import type { StepPlan } from '../../../src/runs/plan';

const prices: Prices = { aciVcpuSecond: 0.01, aciGbSecond: 0.001, batchNodeHour: 3.6, currency: 'USD' };
const who = (n: number, step = 'tile') => ({
  leaseId: `r:img${n}:${step}#1`,
  imageKey: `img${n}`,
  step,
  attempt: 1,
});

function expectReserved(ledger: BudgetLedger, n: number, cost: number): BudgetLedger {
  const d = reserve(ledger, who(n), cost);
  if (d.kind !== 'reserved') throw new Error(`expected reserved, got ${d.kind}`);
  return d.ledger;
}

describe('worst-case cost of a step', () => {
  const aci: Pick<StepPlan, 'backend' | 'cpu' | 'memoryGb' | 'timeoutMs' | 'pool'> = {
    backend: 'aci',
    cpu: 2,
    memoryGb: 4,
    timeoutMs: 100_000,
  };
  it('prices an ACI step for its whole timeout', () => {
    // 100 s x (2 x 0.01 + 4 x 0.001)
    expect(worstCaseCost(aci, prices)).toBeCloseTo(2.4, 9);
  });
  it('charges a Batch step its slot share of the node for its timeout', () => {
    const batch = { ...aci, backend: 'batch' as const, timeoutMs: 3_600_000 };
    expect(worstCaseCost(batch, prices)).toBeCloseTo(3.6, 9);
    const shared = { ...batch, pool: { vmSize: 'Standard_D4', maxNodes: 2, taskSlotsPerNode: 4 } };
    expect(worstCaseCost(shared, prices)).toBeCloseTo(0.9, 9);
  });
});

describe('budget reservations', () => {
  it('reserves while settled + reserved + worst case fits, and waits when only in-flight reservations block', () => {
    let ledger = emptyBudgetLedger({ maxCost: 10, currency: 'USD' });
    ledger = expectReserved(ledger, 1, 4);
    ledger = expectReserved(ledger, 2, 4);
    expect(reservedOf(ledger)).toBe(8);
    const third = reserve(ledger, who(3), 4);
    expect(third.kind).toBe('wait');
    if (third.kind === 'wait') expect(third.reason).toContain('reserved by steps in flight');
  });

  it('releases the unused part on settle, so a waiting attempt fits afterwards', () => {
    let ledger = emptyBudgetLedger({ maxCost: 10, currency: 'USD' });
    ledger = expectReserved(ledger, 1, 4);
    ledger = expectReserved(ledger, 2, 4);
    ledger = settle(ledger, who(1).leaseId, 1.5) ?? ledger;
    expect(spentOf(ledger)).toBe(1.5);
    expect(reservedOf(ledger)).toBe(4);
    // 1.5 + 4 + 4 = 9.5 <= 10
    ledger = expectReserved(ledger, 3, 4);
    expect(summarise(ledger)).toMatchObject({ spent: 1.5, reserved: 8, exceeded: false });
  });

  it('refuses, and records, an attempt that can never fit: settled + worst case > maxCost', () => {
    let ledger = emptyBudgetLedger({ maxCost: 10, currency: 'USD' });
    ledger = expectReserved(ledger, 1, 4);
    ledger = settle(ledger, who(1).leaseId, 3.5) ?? ledger;
    ledger = expectReserved(ledger, 2, 4);
    ledger = settle(ledger, who(2).leaseId, 3.5) ?? ledger;
    const refused = reserve(ledger, who(3), 4);
    expect(refused.kind).toBe('refused');
    if (refused.kind !== 'refused') return;
    expect(refused.changed).toBe(true);
    expect(refused.reason).toContain('7.000000 USD of the budget of 10.000000 USD is spent');
    expect(refused.ledger.refused).toEqual([{ ...who(3), worstCost: 4 }]);
    // Asked again (an activity retry): the same answer, nothing written.
    const again = reserve(refused.ledger, who(3), 4);
    expect(again).toMatchObject({ kind: 'refused', changed: false });
    expect(summarise(refused.ledger)).toMatchObject({ spent: 7, exceeded: true });
  });

  it('admits an exact fit despite floating-point sums', () => {
    let ledger = emptyBudgetLedger({ maxCost: 0.3, currency: 'USD' });
    ledger = expectReserved(ledger, 1, 0.1);
    ledger = expectReserved(ledger, 2, 0.2);
    expect(reserve(ledger, who(3), 0.000001).kind).toBe('wait');
  });

  it('is idempotent: a reserved or settled attempt is granted again without a write', () => {
    let ledger = emptyBudgetLedger({ maxCost: 5, currency: 'USD' });
    ledger = expectReserved(ledger, 1, 5);
    expect(reserve(ledger, who(1), 5)).toMatchObject({ kind: 'reserved', changed: false });
    ledger = settle(ledger, who(1).leaseId, 5) ?? ledger;
    expect(reserve(ledger, who(1), 5)).toMatchObject({ kind: 'reserved', changed: false });
    // Settling again, or settling an attempt never reserved, changes nothing.
    expect(settle(ledger, who(1).leaseId, 1)).toBeUndefined();
    expect(settle(ledger, who(9).leaseId, 1)).toBeUndefined();
    expect(spentOf(ledger)).toBe(5);
  });

  it('settles an attempt that never ran at 0 and never at a negative cost', () => {
    let ledger = emptyBudgetLedger({ maxCost: 5, currency: 'USD' });
    ledger = expectReserved(ledger, 1, 5);
    ledger = settle(ledger, who(1).leaseId, -3) ?? ledger;
    expect(spentOf(ledger)).toBe(0);
    expect(reservedOf(ledger)).toBe(0);
  });

  it('refuses a budget in another currency than the prices, naming both', () => {
    expect(currencyProblem({ maxCost: 1, currency: 'USD' }, prices)).toBeNull();
    expect(currencyProblem({ maxCost: 1, currency: 'EUR' }, prices)).toBe(
      'the budget is in EUR but prices are in USD (FLOTILLA_PRICE_CURRENCY); give the budget in USD',
    );
  });
});
