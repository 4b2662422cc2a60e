import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';
import { cancelRun } from '../api/cancel-run';
import { handle, json, parseWith } from '../api/http';
import { runIdParam } from '../api/schemas';
import { appDeps } from '../composition';

/** POST /api/runs/{id}/cancel: stop admitting work, tear down what is in flight; the run ends `cancelled`. */
export async function cancelRunHandler(
  request: HttpRequest,
  context: InvocationContext,
): Promise<HttpResponseInit> {
  return handle(
    async () => {
      const runId = parseWith(runIdParam, request.params.id, 'the run id', 'id');
      const deps = appDeps();
      const result = await cancelRun(deps.store, df.getClient(context), runId, new Date(deps.now()));
      context.log(`run cancel requested runId=${runId} signalled=${result.signalled}`);
      return json(202, result);
    },
    (line) => context.error(line),
  );
}

app.http('cancelRun', {
  route: 'runs/{id}/cancel',
  methods: ['POST'],
  authLevel: 'function',
  extraInputs: [df.input.durableClient()],
  handler: cancelRunHandler,
});
