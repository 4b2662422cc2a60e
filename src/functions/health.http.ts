import { app, type HttpRequest, type HttpResponseInit } from '@azure/functions';

/** Liveness: answers without touching storage or Azure, so a deployment can be smoke-tested. */
export function health(_request: HttpRequest): HttpResponseInit {
  return { status: 200, jsonBody: { status: 'ok', service: 'flotilla' } };
}

app.http('health', { route: 'health', methods: ['GET'], authLevel: 'anonymous', handler: health });
