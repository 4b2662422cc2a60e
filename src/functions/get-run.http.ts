import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';
import { handle, json, parseWith } from '../api/http';
import { runView } from '../api/run-view';
import { runIdParam } from '../api/schemas';
import { appDeps } from '../composition';

/** GET /api/runs/{id}: counts by state, each image's step states, timings, cost estimate when done. */
export async function getRunHandler(
  request: HttpRequest,
  context: InvocationContext,
): Promise<HttpResponseInit> {
  return handle(
    async () => {
      const runId = parseWith(runIdParam, request.params.id, 'the run id', 'id');
      return json(200, await runView(appDeps().store, df.getClient(context), runId));
    },
    (line) => context.error(line),
  );
}

app.http('getRun', {
  route: 'runs/{id}',
  methods: ['GET'],
  authLevel: 'function',
  extraInputs: [df.input.durableClient()],
  handler: getRunHandler,
});
