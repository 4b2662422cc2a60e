import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { handle, json, parseWith, readJson } from '../api/http';
import { planRun } from '../api/plan-run';
import { planBody } from '../api/schemas';
import { appDeps } from '../composition';

/** POST /api/plans: the quote of a run before anything runs (containers, quota time, cost range) -> 200. */
export async function planHandler(
  request: HttpRequest,
  context: InvocationContext,
): Promise<HttpResponseInit> {
  return handle(
    async () => {
      const body = parseWith(planBody, await readJson(request), 'the plan request');
      const deps = appDeps();
      const aci = deps.activities.compute('aci');
      const quote = await planRun(
        {
          store: deps.store,
          policy: deps.policy,
          limits: deps.activities.limits,
          prices: deps.activities.prices,
          aciGroupCores: (step) => aci.admissionCores(step),
        },
        body,
      );
      return json(200, quote);
    },
    (line) => context.error(line),
  );
}

app.http('planRun', { route: 'plans', methods: ['POST'], authLevel: 'function', handler: planHandler });
