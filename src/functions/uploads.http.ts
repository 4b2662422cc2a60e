import { randomBytes } from 'node:crypto';
import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { handle, json, parseWith, readJson } from '../api/http';
import { uploadBody } from '../api/schemas';
import { newUploadId, uploadUrls } from '../api/uploads';
import { appDeps } from '../composition';

/** POST /api/uploads: create-only, short-lived upload URLs for new blobs (one per file). */
export async function uploadsHandler(
  request: HttpRequest,
  context: InvocationContext,
): Promise<HttpResponseInit> {
  return handle(
    async () => {
      const body = parseWith(uploadBody, await readJson(request), 'the upload request');
      const deps = appDeps();
      const now = deps.now();
      const result = await uploadUrls(deps.store, deps.policy, body, {
        now,
        uploadId: newUploadId(now, randomBytes(4).toString('hex')),
      });
      // The URLs carry SAS tokens: the log line names only where the files go.
      context.log(
        `upload granted uploadId=${result.uploadId} container=${result.container} prefix=${result.prefix} files=${result.uploads.length}`,
      );
      return json(200, result, { 'cache-control': 'no-store' });
    },
    (line) => context.error(line),
  );
}

app.http('uploads', {
  route: 'uploads',
  methods: ['POST'],
  authLevel: 'function',
  handler: uploadsHandler,
});
