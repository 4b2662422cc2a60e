/**
 * The budget a run starts with: the start request's, else the spec's (docs/http-api.md). Its currency must
 * be the prices' (FLOTILLA_PRICE_CURRENCY): a budget in another currency is refused with 400, never converted.
 */
import { currencyProblem, type Budget } from '../admission/budget';
import type { PipelineSpec } from '../pipeline';
import type { Prices } from '../runs/cost';
import { ApiError } from './http';

export function runBudget(
  spec: Pick<PipelineSpec, 'budget'>,
  requested: Budget | undefined,
  prices: Prices,
): Budget | undefined {
  const budget = requested ?? spec.budget;
  if (!budget) return undefined;
  const problem = currencyProblem(budget, prices);
  if (problem) {
    const path = requested ? 'budget.currency' : 'pipeline.budget.currency';
    throw new ApiError(400, 'budget_currency_mismatch', problem, [{ path, message: problem }]);
  }
  return budget;
}
