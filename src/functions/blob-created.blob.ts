import { app, type InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';
import { ApiError } from '../api/http';
import { resolvePipeline, startRun } from '../api/start-run';
import { isUploadedBlob } from '../api/uploads';
import { blobRunId } from '../runs/run-ids';
import { appDeps } from '../composition';
import { loadSetting } from '../config';

/**
 * Event Grid-source blob trigger: a new blob at `<images container>/<pipeline>/<path>` starts a run of that
 * pipeline for that image. The run id is derived from the blob URL and ETag: a duplicate event starts nothing.
 * Blobs in a folder POST /api/uploads made (`u-<time>-<hex>/`) start nothing: their client starts the run.
 */
export async function blobCreatedHandler(_blob: unknown, context: InvocationContext): Promise<void> {
  const meta = context.triggerMetadata ?? {};
  const name = typeof meta.name === 'string' ? meta.name : '';
  const uri = typeof meta.uri === 'string' ? meta.uri : '';
  const props = (meta.properties ?? {}) as { eTag?: string; etag?: string; ETag?: string };
  const etag = props.eTag ?? props.etag ?? props.ETag ?? '';
  const slash = name.indexOf('/');
  if (slash <= 0) {
    context.warn(`blob ignored blob=${name} reason="not under <pipeline>/"`);
    return;
  }
  if (isUploadedBlob(name)) {
    // POST /api/uploads handed it out for a run its client starts itself (`flotilla run --target`).
    context.log(`blob ignored blob=${name} reason="uploaded for an explicit run"`);
    return;
  }
  const pipeline = name.slice(0, slash);
  const deps = appDeps();
  try {
    const stored = await resolvePipeline(deps.store, pipeline, deps.policy);
    const container = deps.config.FLOTILLA_IMAGES_CONTAINER;
    // The image is read from where the event says it is, whatever the spec's own inputs are.
    const spec = { ...stored, inputs: { container, prefix: `${pipeline}/` } };
    const run = await startRun(deps.store, df.getClient(context), spec, [name], {
      runId: blobRunId(uri || `${container}/${name}`, etag),
      now: new Date(deps.now()),
      source: 'blob',
    });
    context.log(`blob event runId=${run.runId} pipeline=${pipeline} blob=${name} started=${run.started}`);
  } catch (error) {
    if (error instanceof ApiError) {
      context.warn(`blob ignored blob=${name} pipeline=${pipeline} reason="${error.message}"`);
      return;
    }
    throw error;
  }
}

app.storageBlob('blobCreated', {
  // Read at registration: the container is a setting with a default, not a required app setting.
  path: `${loadSetting('FLOTILLA_IMAGES_CONTAINER')}/{name}`,
  source: 'EventGrid',
  connection: 'AzureWebJobsStorage',
  extraInputs: [df.input.durableClient()],
  handler: blobCreatedHandler,
});
