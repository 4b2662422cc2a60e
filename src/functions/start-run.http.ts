import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';
import { handle, json, parseWith, readJson } from '../api/http';
import { startRunBody } from '../api/schemas';
import { listImages, resolvePipeline, startRun } from '../api/start-run';
import { appDeps } from '../composition';

/** POST /api/runs: pipeline inline or by name; images as a list or a prefix -> 202 with the run id and links. */
export async function startRunHandler(
  request: HttpRequest,
  context: InvocationContext,
): Promise<HttpResponseInit> {
  return handle(
    async () => {
      const body = parseWith(startRunBody, await readJson(request), 'the run request');
      const deps = appDeps();
      const spec = await resolvePipeline(deps.store, body.pipeline, deps.policy);
      const images = await listImages(deps.store, spec, body);
      const run = await startRun(deps.store, df.getClient(context), spec, images, {
        now: new Date(deps.now()),
        source: 'api',
      });
      context.log(`run accepted runId=${run.runId} pipeline=${run.pipeline} images=${run.images}`);
      const self = `/api/runs/${run.runId}`;
      return json(
        202,
        {
          runId: run.runId,
          pipeline: run.pipeline,
          images: run.images,
          status: 'accepted',
          links: { self, manifest: `${self}/manifest`, cancel: `${self}/cancel` },
        },
        { location: self },
      );
    },
    (line) => context.error(line),
  );
}

app.http('startRun', {
  route: 'runs',
  methods: ['POST'],
  authLevel: 'function',
  extraInputs: [df.input.durableClient()],
  handler: startRunHandler,
});
