import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { ApiError, handle, parseWith } from '../api/http';
import { runIdParam } from '../api/schemas';
import { RESULTS_CONTAINER, runPaths } from '../runs/paths';
import { appDeps } from '../composition';

/** GET /api/runs/{id}/manifest: the run manifest, once the run has ended. */
export async function runManifestHandler(
  request: HttpRequest,
  context: InvocationContext,
): Promise<HttpResponseInit> {
  return handle(
    async () => {
      const runId = parseWith(runIdParam, request.params.id, 'the run id', 'id');
      const text = await appDeps().store.getText(RESULTS_CONTAINER, runPaths.manifest(runId));
      if (text === undefined) {
        throw new ApiError(
          404,
          'manifest_not_found',
          `run ${runId} has no manifest (unknown run, or not ended yet)`,
        );
      }
      return { status: 200, body: text, headers: { 'content-type': 'application/json' } };
    },
    (line) => context.error(line),
  );
}

app.http('runManifest', {
  route: 'runs/{id}/manifest',
  methods: ['GET'],
  authLevel: 'function',
  handler: runManifestHandler,
});
