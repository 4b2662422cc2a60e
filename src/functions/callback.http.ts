import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';
import { acceptCallback } from '../api/callback';
import { handle, json, parseWith, readJson } from '../api/http';
import { callbackBody } from '../api/schemas';
import { appDeps } from '../composition';

/** POST /api/callbacks/{token}: the stage-out sidecar reports the end of an attempt. The token is never logged. */
export async function callbackHandler(
  request: HttpRequest,
  context: InvocationContext,
): Promise<HttpResponseInit> {
  return handle(
    async () => {
      const text = await request.text();
      const raw = text.trim() === '' ? {} : await readJson({ text: () => Promise.resolve(text) });
      const body = parseWith(callbackBody, raw, 'the callback body');
      const deps = appDeps();
      const result = await acceptCallback(
        df.getClient(context),
        deps.config.FLOTILLA_CALLBACK_SECRET,
        request.params.token ?? '',
        body,
        deps.now(),
      );
      return json(202, result);
    },
    (line) => context.error(line),
  );
}

app.http('callback', {
  route: 'callbacks/{token}',
  methods: ['POST'],
  authLevel: 'anonymous',
  extraInputs: [df.input.durableClient()],
  handler: callbackHandler,
});
