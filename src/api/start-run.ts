/**
 * Starting a run (POST /api/runs and the blob trigger): resolve the pipeline, list the images, write the
 * run's image list and index, start the run orchestration. Duplicate starts of one run id start nothing.
 */
import type { DurableClient } from 'durable-functions';
import { parsePipeline, type PipelineSpec } from '../pipeline';
import { checkDeploymentPolicy, type DeploymentPolicy, prefixProblem } from '../pipeline/deployment-policy';
import type { Budget } from '../admission/budget';
import { planFromSpec } from '../runs/from-spec';
import { newRunId } from '../runs/run-ids';
import { imageKey, relativeToPrefix } from '../runs/image-key';
import { checkImageNames } from './image-names';
import { type ImageList, RESULTS_CONTAINER, runPaths, STATE_CONTAINER } from '../runs/paths';
import type { RunInput } from '../orchestrators/contracts';
import type { RunPlan } from '../runs/plan';
import type { BlobStore } from '../storage/blob-store';
import { ApiError } from './http';
import type { StartRunBody } from './schemas';
import { runIndexName } from './run-index';

export type StartStore = Pick<BlobStore, 'list' | 'putText' | 'getText' | 'writeManifest' | 'getPipeline'>;
export type StartClient = Pick<DurableClient, 'startNew' | 'getStatus'>;

export interface StartedRun {
  readonly runId: string;
  readonly pipeline: string;
  readonly images: number;
  /** False when this run id had already been started (a duplicate event). */
  readonly started: boolean;
}

/** The spec's problems under this deployment's policy, as a 400 (inline) or 409 (stored) naming each field. */
export function enforcePolicy(
  spec: PipelineSpec,
  policy: DeploymentPolicy,
  stored: string | undefined,
  pathPrefix = 'pipeline.',
): void {
  const errors = checkDeploymentPolicy(spec, policy);
  if (errors.length === 0) return;
  const details = errors.map((e) => ({ path: `${pathPrefix}${e.path}`, message: e.message }));
  const summary = details.map((d) => `${d.path}: ${d.message}`).join('; ');
  throw stored === undefined
    ? new ApiError(400, 'pipeline_not_allowed', `the pipeline reaches what it may not: ${summary}`, details)
    : new ApiError(
        409,
        'pipeline_not_allowed',
        `the stored pipeline "${stored}" reaches what it may not: ${summary}`,
        details,
      );
}

export async function resolvePipeline(
  store: StartStore,
  pipeline: StartRunBody['pipeline'],
  policy: DeploymentPolicy,
): Promise<PipelineSpec> {
  if (typeof pipeline === 'string') {
    const text = await store.getPipeline(pipeline);
    if (text === undefined) {
      throw new ApiError(
        404,
        'pipeline_not_found',
        `no pipeline named "${pipeline}"; store it with PUT /api/pipelines/${pipeline}`,
        [{ path: 'pipeline', message: `no pipeline named "${pipeline}"` }],
      );
    }
    const parsed = parsePipeline(text);
    if (!parsed.ok)
      throw new ApiError(
        409,
        'pipeline_invalid',
        `the stored pipeline "${pipeline}" is no longer valid`,
        parsed.errors.map((e) => ({ path: `pipeline.${e.path}`, message: e.message })),
      );
    enforcePolicy(parsed.spec, policy, pipeline);
    return parsed.spec;
  }
  const parsed = parsePipeline(JSON.stringify(pipeline), { format: 'json' });
  if (!parsed.ok) {
    const details = parsed.errors.map((e) => ({
      path: e.path ? `pipeline.${e.path}` : 'pipeline',
      message: e.message,
    }));
    throw new ApiError(
      400,
      'invalid_pipeline',
      `the pipeline is not valid: ${details.map((d) => `${d.path}: ${d.message}`).join('; ')}`,
      details,
    );
  }
  enforcePolicy(parsed.spec, policy, undefined);
  return parsed.spec;
}

export async function listImages(
  store: StartStore,
  spec: PipelineSpec,
  body: Pick<StartRunBody, 'images' | 'prefix'>,
): Promise<string[]> {
  if (body.images) return body.images;
  const prefix = body.prefix ?? spec.inputs.prefix;
  const problem = body.prefix !== undefined ? prefixProblem(body.prefix) : undefined;
  if (problem || !prefix.startsWith(spec.inputs.prefix))
    throw new ApiError(400, 'invalid_prefix', `the prefix ${JSON.stringify(prefix)} is not allowed`, [
      {
        path: 'prefix',
        message: problem
          ? `the prefix ${problem}`
          : `must lie under the pipeline's inputs prefix "${spec.inputs.prefix}"`,
      },
    ]);
  const blobs = await store.list(spec.inputs.container, prefix);
  if (blobs.length === 0) {
    throw new ApiError(400, 'no_images', `no images under ${spec.inputs.container}/${prefix}`, [
      {
        path: body.prefix !== undefined ? 'prefix' : 'pipeline.inputs',
        message: `no blobs under ${spec.inputs.container}/${prefix}`,
      },
    ]);
  }
  return blobs.map((b) => b.name);
}

function isConflict(error: unknown): boolean {
  return (error as { code?: string }).code === 'CONFLICT';
}

export async function startRun(
  store: StartStore,
  client: StartClient,
  spec: PipelineSpec,
  images: readonly string[],
  options: { runId?: string; now: Date; source: 'api' | 'blob'; cache?: boolean; budget?: Budget },
): Promise<StartedRun> {
  const cache = options.cache === undefined ? {} : { cache: options.cache };
  const budget = options.budget;
  return startPlanned(
    store,
    client,
    (runId, createdAt) => ({
      ...planFromSpec(spec, runId, createdAt, undefined, cache),
      ...(budget ? { budget } : {}),
    }),
    images,
    options,
  );
}

/** Starts a run of the plan `planFor` makes for the new run id (a rerun's is the original run's plan). */
export async function startPlanned(
  store: StartStore,
  client: StartClient,
  planFor: (runId: string, createdAt: string) => RunPlan,
  images: readonly string[],
  options: { runId?: string; now: Date; source: 'api' | 'blob' },
): Promise<StartedRun> {
  const runId = options.runId ?? newRunId();
  const createdAt = options.now.toISOString();
  const plan = planFor(runId, createdAt);
  const inputsPrefix = plan.inputs.prefix ?? '';
  checkImageNames(images, inputsPrefix, 'images');
  const claim = { runId, pipeline: plan.pipeline, createdAt, source: options.source, images: images.length };
  try {
    await store.writeManifest(STATE_CONTAINER, `run-ids/${runId}.json`, claim, undefined);
  } catch (error) {
    if (!isConflict(error)) throw error;
    const existing = await client.getStatus(runId).catch(() => undefined);
    if (existing?.runtimeStatus)
      return { runId, pipeline: plan.pipeline, images: images.length, started: false };
  }
  const list: ImageList = {
    runId,
    images: images.map((image) => ({
      image,
      imageKey: imageKey(relativeToPrefix(image, inputsPrefix)),
    })),
  };
  await store.putText(RESULTS_CONTAINER, runPaths.images(runId), JSON.stringify(list), 'application/json');
  await store.putText(
    STATE_CONTAINER,
    runIndexName(runId, plan.pipeline, options.now.getTime()),
    JSON.stringify(claim),
    'application/json',
  );
  const input: RunInput = { plan, imageCount: images.length };
  await startInstance(client, runId, input);
  return { runId, pipeline: plan.pipeline, images: images.length, started: true };
}

const START_ATTEMPTS = 4;
const START_BACKOFF_MS = 250;

/**
 * Starts the run instance, retrying a failed call (a dropped connection, a busy host): the instance id is the
 * run id, so a retry after a start that did go through finds the instance and is done.
 */
async function startInstance(client: StartClient, runId: string, input: RunInput): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await client.startNew('runOrchestrator', { instanceId: runId, input });
      return;
    } catch (error) {
      const existing = await client.getStatus(runId).catch(() => undefined);
      if (existing?.runtimeStatus) return;
      if (attempt >= START_ATTEMPTS) throw error;
      await new Promise((resolve) => setTimeout(resolve, START_BACKOFF_MS * 2 ** (attempt - 1)));
    }
  }
}
