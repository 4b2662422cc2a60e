import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { handle, json, parseWith, queryOf } from '../api/http';
import { runLogs } from '../api/run-logs';
import { logsQuery, runIdParam } from '../api/schemas';
import { appDeps } from '../composition';

/** GET /api/runs/{id}/logs?image=&step=: the saved logs of finished steps. */
export async function runLogsHandler(
  request: HttpRequest,
  context: InvocationContext,
): Promise<HttpResponseInit> {
  return handle(
    async () => {
      const runId = parseWith(runIdParam, request.params.id, 'the run id', 'id');
      const query = parseWith(logsQuery, queryOf(request), 'the query');
      return json(200, await runLogs(appDeps().store, runId, query));
    },
    (line) => context.error(line),
  );
}

app.http('runLogs', {
  route: 'runs/{id}/logs',
  methods: ['GET'],
  authLevel: 'function',
  handler: runLogsHandler,
});
