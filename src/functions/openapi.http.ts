import { app, type HttpResponseInit } from '@azure/functions';
import { json } from '../api/http';
import { openApiDocument } from '../api/openapi';

/** GET /api/openapi.json: the OpenAPI 3 document of this API. */
export function openApiHandler(): HttpResponseInit {
  return json(200, openApiDocument());
}

app.http('openapi', {
  route: 'openapi.json',
  methods: ['GET'],
  authLevel: 'anonymous',
  handler: openApiHandler,
});
