import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { handle } from '../api/http';
import { uiAsset, uiShell } from '../api/ui-assets';

/**
 * GET /api/ui and /api/ui/runs/{id}: the status page shell; GET /api/ui/assets/{name}: its script and style.
 * Anonymous: they hold no data. Every data call the page makes goes to the keyed JSON API (docs/ui.md).
 */
export function uiShellHandler(_request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  return handle(
    () => Promise.resolve(uiShell()),
    (line) => context.error(line),
  );
}

export function uiAssetHandler(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  return handle(
    () => Promise.resolve(uiAsset(request.params.name ?? '', request.query.get('v'))),
    (line) => context.error(line),
  );
}

app.http('uiRuns', { route: 'ui', methods: ['GET'], authLevel: 'anonymous', handler: uiShellHandler });
app.http('uiRun', {
  route: 'ui/runs/{id}',
  methods: ['GET'],
  authLevel: 'anonymous',
  handler: uiShellHandler,
});
app.http('uiAsset', {
  route: 'ui/assets/{name}',
  methods: ['GET'],
  authLevel: 'anonymous',
  handler: uiAssetHandler,
});
