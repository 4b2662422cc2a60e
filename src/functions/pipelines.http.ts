import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { ApiError, handle, json, parseWith } from '../api/http';
import { pipelineName } from '../api/schemas';
import { parsePipeline } from '../pipeline';
import { appDeps } from '../composition';
import { enforcePolicy } from '../api/start-run';

/** PUT /api/pipelines/{name}: store a validated spec (YAML or JSON body); its `name` must match the path. */
export async function putPipelineHandler(
  request: HttpRequest,
  context: InvocationContext,
): Promise<HttpResponseInit> {
  return handle(
    async () => {
      const name = parseWith(pipelineName, request.params.name, 'the pipeline name', 'name');
      const text = await request.text();
      const json_ = (request.headers.get('content-type') ?? '').includes('json');
      const parsed = parsePipeline(text, { format: json_ ? 'json' : 'yaml' });
      if (!parsed.ok) {
        const details = parsed.errors.map((e) => ({
          path: e.path || '(body)',
          message: e.line ? `${e.message} (line ${e.line}, column ${e.column ?? 1})` : e.message,
        }));
        throw new ApiError(
          400,
          'invalid_pipeline',
          `the pipeline is not valid: ${details.map((d) => `${d.path}: ${d.message}`).join('; ')}`,
          details,
        );
      }
      if (parsed.spec.name !== name) {
        throw new ApiError(
          400,
          'name_mismatch',
          `the spec is named "${parsed.spec.name}" but was sent to /api/pipelines/${name}`,
          [{ path: 'name', message: `expected "${name}" (the name in the URL)` }],
        );
      }
      enforcePolicy(parsed.spec, appDeps().policy, undefined, '');
      await appDeps().store.putPipeline(name, text);
      context.log(`pipeline stored name=${name} steps=${parsed.spec.steps.length}`);
      return json(200, {
        name,
        steps: parsed.spec.steps.map((s) => s.id),
        ...(parsed.spec.finalize ? { finalize: parsed.spec.finalize.id } : {}),
      });
    },
    (line) => context.error(line),
  );
}

/** GET /api/pipelines/{name}: the stored spec text. */
export async function getPipelineHandler(
  request: HttpRequest,
  context: InvocationContext,
): Promise<HttpResponseInit> {
  return handle(
    async () => {
      const name = parseWith(pipelineName, request.params.name, 'the pipeline name', 'name');
      const text = await appDeps().store.getPipeline(name);
      if (text === undefined) throw new ApiError(404, 'pipeline_not_found', `no pipeline named "${name}"`);
      return { status: 200, body: text, headers: { 'content-type': 'application/yaml' } };
    },
    (line) => context.error(line),
  );
}

app.http('putPipeline', {
  route: 'pipelines/{name}',
  methods: ['PUT'],
  authLevel: 'function',
  handler: putPipelineHandler,
});
app.http('getPipeline', {
  route: 'pipelines/{name}',
  methods: ['GET'],
  authLevel: 'function',
  handler: getPipelineHandler,
});
