import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';
import { handle, json, parseWith, readJson } from '../api/http';
import { IDEMPOTENCY_HEADER, idempotencyKey, runIdForKey } from '../api/idempotency';
import { startRunBody } from '../api/schemas';
import { runBudget } from '../api/run-budget';
import { listImages, resolvePipeline, startRun } from '../api/start-run';
import { appDeps } from '../composition';
import { newRunId } from '../runs/run-ids';

/** POST /api/runs: pipeline inline or by name; images as a list or a prefix -> 202 with the run id and links. */
export async function startRunHandler(
  request: HttpRequest,
  context: InvocationContext,
): Promise<HttpResponseInit> {
  return handle(
    async () => {
      const key = idempotencyKey(request.headers.get(IDEMPOTENCY_HEADER));
      const raw = await readJson(request);
      const body = parseWith(startRunBody, raw, 'the run request');
      const deps = appDeps();
      const now = new Date(deps.now());
      const spec = await resolvePipeline(deps.store, body.pipeline, deps.policy);
      const images = await listImages(deps.store, spec, body);
      const budget = runBudget(spec, body.budget, deps.activities.prices);
      // With a key, a retried request maps to the run the first one started (docs/http-api.md).
      const claimed = key ? await runIdForKey(deps.store, key, raw, newRunId, now) : undefined;
      const run = await startRun(deps.store, df.getClient(context), spec, images, {
        now,
        source: 'api',
        ...(body.cache === undefined ? {} : { cache: body.cache }),
        ...(budget ? { budget } : {}),
        ...(claimed ? { runId: claimed.runId } : {}),
      });
      context.log(`run accepted runId=${run.runId} pipeline=${run.pipeline} images=${run.images}`);
      const self = `/api/runs/${run.runId}`;
      return json(
        run.started ? 202 : 200,
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
