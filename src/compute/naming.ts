import { createHash } from 'node:crypto';
import type { StepRef } from './port';

/**
 * Deterministic names: the same step attempt always maps to the same container group / task, so a retried
 * start finds what the first try made instead of making a second one. A hash of the full identity keeps
 * names unique after slugging and truncation.
 */
export const MANAGED_BY = 'flotilla';

export function shortHash(text: string, length = 8): string {
  return createHash('sha256').update(text).digest('hex').slice(0, length);
}

/** Lowercase letters, digits and single hyphens, no hyphen at either end. */
export function slug(text: string, max: number): string {
  const s = text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return s.slice(0, max).replace(/-+$/g, '');
}

const identity = (ref: StepRef) => JSON.stringify([ref.runId, ref.imageKey, ref.step, ref.attempt]);

/** ACI container group name: `fl-<run>-<image>-<step>-<attempt>-<hash>`, at most 63 characters. */
export function containerGroupName(ref: StepRef): string {
  const hash = shortHash(identity(ref));
  const budget = 63 - 'fl-'.length - 1 - hash.length;
  const attempt = `a${ref.attempt}`;
  const rest = budget - attempt.length - 1;
  const run = slug(ref.runId, Math.floor(rest * 0.35));
  const step = slug(ref.step, Math.floor(rest * 0.25));
  const image = slug(ref.imageKey, rest - run.length - step.length - 3);
  const body = [run, image, step, attempt].filter(Boolean).join('-');
  return `fl-${body}-${hash}`.replace(/-{2,}/g, '-');
}

/** Batch job id for a run (one job per run): at most 64 characters. */
export function batchJobId(runId: string): string {
  return `fl-${slug(runId, 48)}-${shortHash(runId)}`.replace(/-{2,}/g, '-');
}

/** Batch task id for a step attempt of an image, unique in the run's job: at most 64 characters. */
export function batchTaskId(ref: Pick<StepRef, 'imageKey' | 'step' | 'attempt'>): string {
  const hash = shortHash(JSON.stringify([ref.imageKey, ref.step, ref.attempt]));
  const step = slug(ref.step, 16);
  const image = slug(ref.imageKey, 64 - hash.length - step.length - `-a${ref.attempt}`.length - 3);
  return `${image}-${step}-a${ref.attempt}-${hash}`.replace(/-{2,}/g, '-').replace(/^-/, '');
}

const tagValue = (v: string) => v.slice(0, 256);

/**
 * The deployment id when FLOTILLA_DEPLOYMENT_ID is not set: a hash of the task hub and the storage account,
 * so two deployments that share a resource group (or a Batch account) tell their resources apart with no
 * configuration, and one deployment keeps its id across restarts.
 */
export function defaultDeploymentId(taskHub: string, storageAccount: string): string {
  return `d-${shortHash(JSON.stringify([taskHub.toLowerCase(), storageAccount.toLowerCase()]), 12)}`;
}

/** The tag that names the deployment a resource belongs to: a sweeper deletes only its own. */
export const DEPLOYMENT_TAG = 'flotilla-deployment';

/** Whether tags (or Batch metadata) mark a resource as made by this deployment of flotilla. */
export function ownedBy(tags: Readonly<Record<string, string | undefined>>, deploymentId: string): boolean {
  return tags['managed-by'] === MANAGED_BY && tags[DEPLOYMENT_TAG] === deploymentId;
}

/** ARM tags / Batch metadata that let the sweeper find, attribute and expire what flotilla made. */
export function resourceTags(
  ref: Partial<StepRef> & { runId: string },
  expiresAt: Date,
  deploymentId: string,
  extra: Readonly<Record<string, string>> = {},
): Record<string, string> {
  return {
    'managed-by': MANAGED_BY,
    [DEPLOYMENT_TAG]: tagValue(deploymentId),
    run: tagValue(ref.runId),
    ...(ref.imageKey !== undefined ? { image: tagValue(ref.imageKey) } : {}),
    ...(ref.step !== undefined ? { step: tagValue(ref.step) } : {}),
    ...(ref.attempt !== undefined ? { attempt: String(ref.attempt) } : {}),
    expiry: expiresAt.toISOString(),
    ...extra,
  };
}

/**
 * A Batch attempt's staging container (docs/security.md, "SAS"): `fl-stage-<12 hex of the run>-<20 hex of the
 * attempt>`, 42 characters, a valid container name. Every staging container of a run shares stagingPrefix.
 */
export const STAGING_CONTAINER_PREFIX = 'fl-stage-';

export function stagingPrefix(runId: string): string {
  return `${STAGING_CONTAINER_PREFIX}${shortHash(runId, 12)}-`;
}

export function stagingContainerName(ref: StepRef): string {
  return `${stagingPrefix(ref.runId)}${shortHash(identity(ref), 20)}`;
}
