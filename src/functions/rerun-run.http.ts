import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';
import { handle, json, parseWith, readJson } from '../api/http';
import { rerunRun } from '../api/rerun-run';
import { rerunBody, runIdParam } from '../api/schemas';
import { appDeps } from '../composition';

/** POST /api/runs/{id}/rerun: a new run of the original's plan over its failed (or all) images -> 202. */
export async function rerunRunHandler(
  request: HttpRequest,
  context: InvocationContext,
): Promise<HttpResponseInit> {
  return handle(
    async () => {
      const runId = parseWith(runIdParam, request.params.id, 'the run id', 'id');
      const text = await request.text();
      // No body is the default scope ({"only":"failed"}); a body is validated like any other.
      const raw = text.trim() === '' ? {} : await readJson({ text: () => Promise.resolve(text) });
      const body = parseWith(rerunBody, raw, 'the rerun request');
      const deps = appDeps();
      const run = await rerunRun(deps.store, df.getClient(context), runId, body, new Date(deps.now()));
      context.log(
        `run accepted runId=${run.runId} rerunOf=${run.rerunOf} only=${run.only} images=${run.images}`,
      );
      const self = `/api/runs/${run.runId}`;
      return json(
        202,
        {
          runId: run.runId,
          pipeline: run.pipeline,
          images: run.images,
          rerunOf: run.rerunOf,
          status: 'accepted',
          links: { self, manifest: `${self}/manifest`, cancel: `${self}/cancel` },
        },
        { location: self },
      );
    },
    (line) => context.error(line),
  );
}

app.http('rerunRun', {
  route: 'runs/{id}/rerun',
  methods: ['POST'],
  authLevel: 'function',
  extraInputs: [df.input.durableClient()],
  handler: rerunRunHandler,
});
