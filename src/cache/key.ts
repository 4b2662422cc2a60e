/**
 * The step cache key (docs/orchestration.md, 'Step cache'): a SHA-256 over everything that decides a step's
 * outputs: the identity of its inputs (a root step's source blob by Content-MD5, else ETag; a dependent's
 * upstream steps by their keys, else the identity of their outputs), the container image reference, the
 * command, env, secret references (names and references, never values), backend and resources. Env and
 * secrets are sorted, so their order in a spec does not matter.
 */
import { createHash } from 'node:crypto';
import type { StepPlan } from '../runs/plan';
import type { BlobItemInfo } from '../storage/port';

/** Bumped when the key's material changes meaning: every earlier entry becomes a miss. */
export const CACHE_KEY_VERSION = 1;

export interface InputIdentity {
  /** Where the step sees the blob under /flotilla/in. */
  readonly path: string;
  /** `md5:<base64>` or `etag:<etag>` (see blobIdentity). */
  readonly identity: string;
}

export type KeyStep = Pick<
  StepPlan,
  'id' | 'backend' | 'containerImage' | 'command' | 'cpu' | 'memoryGb' | 'gpu' | 'env' | 'secretEnv'
>;

export interface KeyInput {
  readonly step: KeyStep;
  /** What the container sees as FLOTILLA_IMAGE (`finalize` for the finalize step). */
  readonly imageKey: string;
  /**
   * The run's outputs container: a hit only ever copies within the container the run writes to, so the
   * cache never hands a pipeline outputs from a container its deployment policy may not let it reach.
   */
  readonly outputsContainer: string;
  /** The blobs the step reads directly (a root step: its source image). */
  readonly inputs: readonly InputIdentity[];
  /** Upstream step (finalize: `<imageKey>/<step>`) -> its cache key, or the identity of its outputs. */
  readonly upstream: Readonly<Record<string, string>>;
}

/** A blob's content identity: its Content-MD5 when the service has one (stable across uploads), else its ETag. */
export function blobIdentity(blob: Pick<BlobItemInfo, 'md5' | 'etag' | 'size'>): string {
  if (blob.md5) return `md5:${blob.md5}`;
  return `etag:${blob.etag ?? ''}:${blob.size}`;
}

/** The identity of a set of blobs under a prefix (an upstream step's outputs whose key is unknown). */
export function contentIdentity(blobs: readonly BlobItemInfo[], prefix: string): string {
  const lines = blobs
    .map((b) => `${b.name.slice(prefix.length)}\t${blobIdentity(b)}`)
    .sort()
    .join('\n');
  return `content:${sha256(lines)}`;
}

const sorted = (record: Readonly<Record<string, string>> | undefined): [string, string][] =>
  Object.entries(record ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));

/** The canonical text the key hashes (exported for tests: it must never hold a secret value). */
export function keyMaterial(input: KeyInput): string {
  const { step } = input;
  return JSON.stringify({
    v: CACHE_KEY_VERSION,
    step: step.id,
    backend: step.backend,
    image: step.containerImage,
    command: step.command,
    cpu: step.cpu,
    memoryGb: step.memoryGb,
    gpu: step.gpu ? { count: step.gpu.count, sku: step.gpu.sku ?? null } : null,
    env: sorted(step.env),
    secrets: sorted(step.secretEnv),
    imageKey: input.imageKey,
    outputs: input.outputsContainer,
    inputs: [...input.inputs]
      .map((i) => [i.path, i.identity])
      .sort(([a = ''], [b = '']) => (a < b ? -1 : a > b ? 1 : 0)),
    upstream: sorted(input.upstream),
  });
}

export function cacheKey(input: KeyInput): string {
  return sha256(keyMaterial(input));
}

function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}
