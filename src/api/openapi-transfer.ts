/** The OpenAPI paths of moving files in and out: outputs of a run (read URLs) and uploads (create URLs). */
import { z } from 'zod';
import { uploadBody } from './schemas';

const jsonContent = (schema: unknown) => ({ 'application/json': { schema } });
const error = (description: string) => ({
  description,
  content: jsonContent({ $ref: '#/components/schemas/Error' }),
});

export function transferPaths(runIdParameter: unknown): Record<string, unknown> {
  return {
    '/runs/{id}/outputs': {
      get: {
        summary:
          "An ended run's outputs (finalize included), each blob with a read-only SAS URL on that blob (15 minutes).",
        parameters: [
          runIdParameter,
          { name: 'image', in: 'query', required: false, schema: { type: 'string' } },
          { name: 'step', in: 'query', required: false, schema: { type: 'string' } },
        ],
        responses: {
          '200': { description: 'Outputs with read URLs.', content: jsonContent({ type: 'object' }) },
          '400': error('Bad id or query.'),
          '404': error('No such run, image or step.'),
          '409': error('The run has not ended yet.'),
        },
      },
    },
    '/uploads': {
      post: {
        summary:
          'Create-only SAS URLs (one hour) for new blobs <prefix><uploadId>/<file>, to upload images before a run.',
        requestBody: {
          required: true,
          content: jsonContent(z.toJSONSchema(uploadBody, { unrepresentable: 'any', io: 'input' })),
        },
        responses: {
          '200': { description: 'One upload URL per file.', content: jsonContent({ type: 'object' }) },
          '400': error('Bad container, prefix or file name (field errors in details).'),
        },
      },
    },
  };
}
