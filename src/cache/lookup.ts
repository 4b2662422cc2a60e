/**
 * The cache lookup at the start of a step (docs/orchestration.md, 'Step cache'): derive the key, read the
 * index entry, check that the cached outputs are all still there, and copy them into this run's outputs
 * prefix (each run stays self-contained and outlives the deletion of the run it reused). Never throws: a
 * storage error degrades to running the step (`unavailable`, with the reason), it never fails the run.
 */
import { AdapterError } from '../adapters/errors';
import { cachedOutputsPrefix } from '../runs/plan';
import { RESULTS_CONTAINER, runPaths, STATE_CONTAINER } from '../runs/paths';
import { type ImageRecord, stepSucceeded } from '../runs/records';
import { type CacheEntry, cacheEntryPath, type CacheStore } from './entry';
import { blobIdentity, cacheKey, contentIdentity, type InputIdentity } from './key';
import type { LookupInput, LookupResult } from './types';

export type { LookupInput, LookupResult } from './types';

const COPY_CONCURRENCY = 8;

const firstLine = (error: unknown) =>
  (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? '';

async function outputsIdentity(store: CacheStore, container: string, prefix: string): Promise<string> {
  return contentIdentity(await store.list(container, prefix), prefix);
}

/** Upstream identities of the finalize step: each succeeded image's sink steps, by key or content. */
async function finalizeUpstream(store: CacheStore, input: LookupInput): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const names = (await store.list(RESULTS_CONTAINER, `${input.runId}/`)).map((b) => b.name);
  for (const name of names.filter((n) => n.endsWith('/result.json'))) {
    const text = await store.getText(RESULTS_CONTAINER, name);
    if (!text) continue;
    const record = JSON.parse(text) as ImageRecord;
    if (record.status !== 'succeeded' || name !== runPaths.imageRecord(input.runId, record.imageKey))
      continue;
    for (const sink of input.sinkSteps) {
      const step = record.steps.find((s) => s.step === sink && stepSucceeded(s.status));
      if (!step) continue;
      out[`${record.imageKey}/${sink}`] =
        step.cache?.key ?? (await outputsIdentity(store, input.outputs.container, step.outputsPrefix));
    }
  }
  return out;
}

/** The key, or why there is none (the source image is gone: the step will say so when it runs). */
export async function deriveKey(store: CacheStore, input: LookupInput): Promise<string | undefined> {
  const inputs: InputIdentity[] = [];
  let upstream: Record<string, string> = {};
  if (input.source.kind === 'finalize') {
    upstream = await finalizeUpstream(store, input);
  } else if (input.step.dependsOn.length === 0) {
    const { image } = input.source;
    const blob = (await store.list(input.source.inputs.container, image)).find((b) => b.name === image);
    if (!blob) return undefined;
    inputs.push({ path: image.split('/').at(-1) ?? image, identity: blobIdentity(blob) });
  } else {
    for (const dep of input.step.dependsOn) {
      const known = input.upstreamKeys?.[dep];
      const prefix = input.upstream?.[dep];
      if (known) upstream[dep] = known;
      else if (prefix) upstream[dep] = await outputsIdentity(store, input.outputs.container, prefix);
      else return undefined;
    }
  }
  return cacheKey({
    step: input.step,
    imageKey: input.imageKey,
    outputsContainer: input.outputs.container,
    inputs,
    upstream,
  });
}

/** Every output the entry names, present with the same size (and MD5 when both sides have one). */
async function intact(store: CacheStore, entry: CacheEntry): Promise<boolean> {
  const found = new Map(
    (await store.list(entry.container, entry.prefix)).map((b) => [b.name.slice(entry.prefix.length), b]),
  );
  return entry.outputs.every((o) => {
    const blob = found.get(o.name);
    return !!blob && blob.size === o.size && (!o.md5 || !blob.md5 || o.md5 === blob.md5);
  });
}

async function copyAll(store: CacheStore, entry: CacheEntry, container: string, target: string) {
  const queue = [...entry.outputs];
  const worker = async () => {
    for (let next = queue.shift(); next; next = queue.shift())
      await store.copyBlob(entry.container, entry.prefix + next.name, container, target + next.name);
  };
  await Promise.all(Array.from({ length: Math.min(COPY_CONCURRENCY, queue.length) }, worker));
}

export async function lookupCache(
  store: CacheStore,
  input: LookupInput,
  log: (line: string) => void,
): Promise<LookupResult> {
  const where = `runId=${input.runId} image=${input.imageKey} step=${input.step.id}`;
  let key: string | undefined;
  try {
    key = await deriveKey(store, input);
    if (!key) return { hit: false, miss: 'not-cached', problem: 'no input identity to key the step by' };
    const read = await store.readManifest<CacheEntry>(STATE_CONTAINER, cacheEntryPath(key));
    if (!read) return { hit: false, key, miss: 'not-cached' };
    const entry = read.value;
    if (!(await intact(store, entry))) {
      log(`step cache miss: cached outputs deleted ${where} key=${key} from=${entry.runId}`);
      return { hit: false, key, miss: 'outputs-missing', staleEtag: read.etag };
    }
    const target = cachedOutputsPrefix(input, input.imageKey, input.step.id);
    try {
      await copyAll(store, entry, input.outputs.container, target);
    } catch (error) {
      if (!(error instanceof AdapterError && error.code === 'NOT_FOUND')) throw error;
      log(`step cache miss: a cached output went while copying ${where} key=${key}`);
      return { hit: false, key, miss: 'outputs-missing', staleEtag: read.etag };
    }
    return { hit: true, key, from: entry.runId, outputsPrefix: target, files: entry.outputs.length };
  } catch (error) {
    // Degrade, never fail: the step runs. Only a key read without error may be written back (create-only).
    const problem = `the step cache could not be read: ${firstLine(error)}`;
    log(`step cache unavailable; the step runs ${where} error=${problem}`);
    return { hit: false, ...(key ? { key } : {}), miss: 'unavailable', problem };
  }
}
