import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { handle, json, readJson } from '../api/http';
import { grantUploads } from '../api/step-uploads';
import { appDeps } from '../composition';

/** POST /api/step-uploads/{grant}: create-only SAS URLs for a step attempt's outputs. The grant is never logged. */
export async function stepUploadsHandler(
  request: HttpRequest,
  context: InvocationContext,
): Promise<HttpResponseInit> {
  return handle(
    async () => {
      const deps = appDeps();
      const body = await readJson(request);
      const result = await grantUploads(
        deps.store,
        deps.config.FLOTILLA_CALLBACK_SECRET,
        request.params.grant ?? '',
        body,
        deps.now(),
      );
      return json(200, result);
    },
    (line) => context.error(line),
  );
}

app.http('stepUploads', {
  route: 'step-uploads/{grant}',
  methods: ['POST'],
  authLevel: 'anonymous',
  handler: stepUploadsHandler,
});
