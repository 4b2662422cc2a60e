import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';
import { handle, json, parseWith, queryOf } from '../api/http';
import { listRuns } from '../api/list-runs';
import { listRunsQuery } from '../api/schemas';
import { appDeps } from '../composition';

/** GET /api/runs?pipeline=&status=&limit=: runs, newest first. */
export async function listRunsHandler(
  request: HttpRequest,
  context: InvocationContext,
): Promise<HttpResponseInit> {
  return handle(
    async () => {
      const query = parseWith(listRunsQuery, queryOf(request), 'the query', '');
      return json(200, await listRuns(appDeps().store, df.getClient(context), query));
    },
    (line) => context.error(line),
  );
}

app.http('listRuns', {
  route: 'runs',
  methods: ['GET'],
  authLevel: 'function',
  extraInputs: [df.input.durableClient()],
  handler: listRunsHandler,
});
