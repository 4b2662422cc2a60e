/** settleBudget: an attempt ended; its budget reservation becomes what it really cost (src/admission/budget.ts). */
import type { ActivityFactory } from './deps';
import { settleBudget as settle } from './budget-ledger';

export const settleBudget: ActivityFactory<'settleBudget'> = (deps) => (input) =>
  settle(deps.store, deps.prices, input);
