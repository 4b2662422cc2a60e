/** The OpenAPI 3.1 document of the HTTP API (GET /api/openapi.json). Request schemas come from the zod schemas. */
import { z } from 'zod';
import { transferPaths } from './openapi-transfer';
import { callbackBody, listRunsQuery, planBody, rerunBody, startRunBody } from './schemas';
import { uploadBody } from './step-uploads';

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const jsonContent = (schema: unknown) => ({ 'application/json': { schema } });
const error = (description: string) => ({ description, content: jsonContent(ref('Error')) });
const runIdParameter = {
  name: 'id',
  in: 'path',
  required: true,
  schema: { type: 'string', pattern: '^r-[a-z0-9]{4,40}$' },
};

function schemaOf(schema: z.ZodType): Record<string, unknown> {
  return z.toJSONSchema(schema, { unrepresentable: 'any', io: 'input' });
}

export function openApiDocument(): Record<string, unknown> {
  const query = schemaOf(listRunsQuery) as { properties?: Record<string, unknown> };
  return {
    openapi: '3.1.0',
    info: {
      title: 'flotilla',
      version: '0.1.0',
      description: 'Container pipelines on Azure: runs, pipelines, manifests.',
    },
    servers: [{ url: '/api' }],
    paths: {
      '/runs': {
        post: {
          summary: 'Start a run: a pipeline (inline or by name) over images (a list or a prefix).',
          requestBody: { required: true, content: jsonContent(ref('StartRun')) },
          responses: {
            '202': { description: 'Accepted; poll the Location.', content: jsonContent(ref('RunAccepted')) },
            '400': error('The request or the pipeline is not valid (field errors in details).'),
            '404': error('No stored pipeline of that name.'),
          },
        },
        get: {
          summary: 'List runs, newest first.',
          parameters: Object.entries(query.properties ?? {}).map(([name, schema]) => ({
            name,
            in: 'query',
            required: false,
            schema,
          })),
          responses: {
            '200': { description: 'Runs.', content: jsonContent(ref('RunList')) },
            '400': error('Bad filter.'),
          },
        },
      },
      '/plans': {
        post: {
          summary:
            'Quote a run before anything runs: containers per backend, the time the quotas impose, the cost range.',
          requestBody: { required: true, content: jsonContent(ref('Plan')) },
          responses: {
            '200': { description: 'The quote.', content: jsonContent({ type: 'object' }) },
            '400': error('The request or the pipeline is not valid (field errors in details).'),
            '404': error('No stored pipeline of that name.'),
          },
        },
      },
      '/runs/{id}': {
        get: {
          summary: 'A run: counts by state, each image with its step states, timings, cost estimate.',
          parameters: [runIdParameter],
          responses: {
            '200': { description: 'The run.', content: jsonContent(ref('Run')) },
            '400': error('Bad id.'),
            '404': error('No such run.'),
          },
        },
      },
      '/runs/{id}/manifest': {
        get: {
          summary: 'The manifest of an ended run.',
          parameters: [runIdParameter],
          responses: {
            '200': { description: 'The manifest.', content: jsonContent({ type: 'object' }) },
            '404': error('No manifest (yet).'),
          },
        },
      },
      '/runs/{id}/logs': {
        get: {
          summary: 'The saved logs of finished steps, filtered by image and step.',
          parameters: [
            runIdParameter,
            { name: 'image', in: 'query', required: false, schema: { type: 'string' } },
            { name: 'step', in: 'query', required: false, schema: { type: 'string' } },
          ],
          responses: {
            '200': { description: 'Logs per step.', content: jsonContent({ type: 'object' }) },
            '400': error('Bad id or query.'),
            '404': error('No such run or image.'),
          },
        },
      },
      ...transferPaths(runIdParameter),
      '/runs/{id}/cancel': {
        post: {
          summary: 'Cancel a run: stop admitting work and tear down what is in flight.',
          parameters: [runIdParameter],
          responses: {
            '202': { description: 'Cancelling.', content: jsonContent({ type: 'object' }) },
            '404': error('No such run.'),
            '409': error('The run has ended.'),
          },
        },
      },
      '/runs/{id}/rerun': {
        post: {
          summary:
            "Rerun a run's failed and cancelled images (or all of them) with the plan the run used; the new run names it in rerunOf.",
          parameters: [runIdParameter],
          requestBody: { required: false, content: jsonContent(ref('Rerun')) },
          responses: {
            '202': { description: 'Accepted; poll the Location.', content: jsonContent(ref('RunAccepted')) },
            '400': error('Bad id or body (field errors in details).'),
            '404': error('No such run.'),
            '409': error('The run is still in flight, its manifest is not written yet, or nothing failed.'),
          },
        },
      },
      '/pipelines/{name}': {
        put: {
          summary: 'Store a validated pipeline spec (YAML or JSON).',
          parameters: [{ name: 'name', in: 'path', required: true, schema: { type: 'string' } }],
          requestBody: {
            required: true,
            content: {
              'application/yaml': { schema: { type: 'string' } },
              'application/json': { schema: { type: 'object' } },
            },
          },
          responses: {
            '200': { description: 'Stored.', content: jsonContent({ type: 'object' }) },
            '400': error('Not a valid spec (field errors).'),
          },
        },
        get: {
          summary: 'The stored spec.',
          parameters: [{ name: 'name', in: 'path', required: true, schema: { type: 'string' } }],
          responses: {
            '200': {
              description: 'The spec text.',
              content: { 'application/yaml': { schema: { type: 'string' } } },
            },
            '404': error('No such pipeline.'),
          },
        },
      },
      '/callbacks/{token}': {
        post: {
          summary: 'Called by the stage-out sidecar when an attempt ends (HMAC token).',
          parameters: [{ name: 'token', in: 'path', required: true, schema: { type: 'string' } }],
          requestBody: { required: false, content: jsonContent(schemaOf(callbackBody)) },
          responses: {
            '202': { description: 'Accepted.' },
            '401': error('Forged or malformed token.'),
            '409': error('The attempt is not waiting (replayed).'),
            '410': error('Expired token.'),
          },
        },
      },
      '/step-uploads/{grant}': {
        post: {
          summary: "Called by the stage-out sidecar: create-only SAS URLs of the attempt's output blobs.",
          parameters: [{ name: 'grant', in: 'path', required: true, schema: { type: 'string' } }],
          requestBody: { required: true, content: jsonContent(schemaOf(uploadBody)) },
          responses: {
            '200': { description: 'One create-only SAS URL per path.' },
            '400': error('A path leaves the prefix or the body is not valid.'),
            '401': error('Forged or malformed grant.'),
            '410': error('Expired grant.'),
          },
        },
      },
    },
    components: {
      schemas: {
        StartRun: schemaOf(startRunBody),
        Plan: schemaOf(planBody),
        Rerun: schemaOf(rerunBody),
        RunAccepted: {
          type: 'object',
          required: ['runId', 'status', 'links'],
          properties: {
            runId: { type: 'string' },
            pipeline: { type: 'string' },
            images: { type: 'integer' },
            rerunOf: { type: 'string' },
            status: { const: 'accepted' },
            links: { type: 'object' },
          },
        },
        RunList: {
          type: 'object',
          properties: { runs: { type: 'array', items: { type: 'object' } }, truncated: { type: 'boolean' } },
        },
        Run: {
          type: 'object',
          required: ['runId', 'status', 'counts', 'images'],
          properties: {
            runId: { type: 'string' },
            pipeline: { type: 'string' },
            rerunOf: { type: 'string' },
            status: {
              enum: [
                'pending',
                'running',
                'succeeded',
                'partially_succeeded',
                'failed',
                'cancelled',
                'terminated',
                'budget_exceeded',
              ],
            },
            counts: { type: 'object' },
            images: { type: 'array', items: { type: 'object' } },
            cost: { type: 'object' },
          },
        },
        Error: {
          type: 'object',
          required: ['error'],
          properties: {
            error: {
              type: 'object',
              required: ['code', 'message'],
              properties: {
                code: { type: 'string' },
                message: { type: 'string' },
                details: {
                  type: 'array',
                  items: {
                    type: 'object',
                    properties: { path: { type: 'string' }, message: { type: 'string' } },
                  },
                },
              },
            },
          },
        },
      },
    },
  };
}
