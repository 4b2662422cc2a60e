import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { handle, json, parseWith, queryOf } from '../api/http';
import { runOutputs } from '../api/run-outputs';
import { logsQuery, runIdParam } from '../api/schemas';
import { appDeps } from '../composition';

/** GET /api/runs/{id}/outputs?image=&step=: an ended run's outputs, each with a short-lived read URL. */
export async function runOutputsHandler(
  request: HttpRequest,
  context: InvocationContext,
): Promise<HttpResponseInit> {
  return handle(
    async () => {
      const runId = parseWith(runIdParam, request.params.id, 'the run id', 'id');
      const query = parseWith(logsQuery, queryOf(request), 'the query');
      const deps = appDeps();
      const listed = await runOutputs(deps.store, runId, query, deps.now());
      // The URLs carry SAS tokens: the log line names only what was listed.
      context.log(
        `outputs listed runId=${runId} count=${listed.outputs.length} truncated=${listed.truncated}`,
      );
      return json(200, listed, { 'cache-control': 'no-store' });
    },
    (line) => context.error(line),
  );
}

app.http('runOutputs', {
  route: 'runs/{id}/outputs',
  methods: ['GET'],
  authLevel: 'function',
  handler: runOutputsHandler,
});
