import { app, type HttpRequest, type HttpResponseInit } from '@azure/functions';
import { healthCheck } from '../api/health';
import { appDeps } from '../composition';

/** Health: 200 when storage answers, 503 naming the dependency that is down (docs/http-api.md). */
export async function health(_request: HttpRequest): Promise<HttpResponseInit> {
  return healthCheck(appDeps().store, Date.now());
}

app.http('health', { route: 'health', methods: ['GET'], authLevel: 'anonymous', handler: health });
