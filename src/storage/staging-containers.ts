import type { BlobBeginCopyFromUrlPollState, BlobServiceClient, ContainerClient } from '@azure/storage-blob';
import { type CallPolicy, callSdk } from '../adapters/call-policy';
import { AdapterError, isNotFound } from '../adapters/errors';
import { waitForCopy } from './copy-wait';
import type { SasSigner } from './sas';

/**
 * Staging containers (docs/security.md, "SAS"): a Batch attempt uploads its outputs to `out/` and its logs to
 * `logs/` of a container of its own, with a create+write SAS of that container alone. The app, with its own
 * credential, then copies them server-side to their result names and deletes the container. Where they go is
 * the container's metadata, written by the app when it makes the container (a task's SAS cannot change it).
 */
export interface StagingTarget {
  readonly outputs: { readonly container: string; readonly prefix: string };
  readonly logs: { readonly container: string; readonly prefix: string };
}

export interface StagingOptions {
  /** Blobs up to this size are copied with one Copy Blob From URL (the service's limit, 256 MiB). */
  readonly syncCopyMaxBytes?: number;
  /** Longest wait for one asynchronous copy (larger blobs): 10 minutes. */
  readonly asyncCopyTimeoutMs?: number;
  readonly pollIntervalMs?: number;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly now?: () => number;
}

export interface Collected {
  /** False when there was nothing to collect: never staged, or already collected (and deleted). */
  readonly found: boolean;
  /** Result names written, by kind. */
  readonly outputs: readonly string[];
  readonly logs: readonly string[];
}

/** The folders of a staging container: the task's outputs and its stdout.txt/stderr.txt. */
export const STAGED_OUTPUTS = 'out';
export const STAGED_LOGS = 'logs';

export const SYNC_COPY_MAX_BYTES = 256 * 1024 * 1024;
export const ASYNC_COPY_TIMEOUT_MS = 10 * 60_000;
/** A synchronous copy of up to 256 MiB may take longer than an ordinary call's deadline. */
const SYNC_COPY_TIMEOUT_MS = 5 * 60_000;
const TARGET_KEY = 'flotillatarget';
const NOTHING: Collected = { found: false, outputs: [], logs: [] };

/** Thrown inside a collection when the staging container vanished: another collector finished it. */
class AlreadyCollected extends Error {}

const join = (prefix: string, rel: string) => {
  const p = prefix.replace(/^\/+|\/+$/g, '');
  return p ? `${p}/${rel}` : rel;
};

export const encodeTarget = (target: StagingTarget): string =>
  Buffer.from(JSON.stringify(target)).toString('base64url');

function decodeTarget(name: string, value: string | undefined): StagingTarget {
  try {
    const t = JSON.parse(Buffer.from(value ?? '', 'base64url').toString('utf8')) as StagingTarget;
    if (typeof t.outputs.container === 'string' && typeof t.logs.container === 'string') return t;
  } catch {
    // reported below
  }
  throw new AdapterError(
    'BAD_REQUEST',
    'permanent',
    `staging container ${name} has no target (it was not made by flotilla)`,
    { service: 'blob', operation: 'collectStaging' },
  );
}

export class StagingContainers {
  private readonly ensured = new Set<string>();

  constructor(
    private readonly service: BlobServiceClient,
    private readonly signer: SasSigner,
    private readonly policy: CallPolicy,
    private readonly options: StagingOptions = {},
  ) {}

  /** Makes the container (idempotent: the name is the attempt's) and returns its create+write SAS URL. */
  async create(name: string, target: StagingTarget, expiresOn: Date): Promise<string> {
    await this.call('createContainer', (abortSignal) =>
      this.container(name).createIfNotExists({
        abortSignal,
        metadata: { [TARGET_KEY]: encodeTarget(target) },
      }),
    );
    const sas = await this.call('sas', () => this.signer.stagingWriteSas(name, expiresOn));
    return `${this.container(name).url}?${sas}`;
  }

  /** Names of the staging containers that start with `prefix`. */
  async list(prefix: string): Promise<string[]> {
    const names: string[] = [];
    let continuationToken: string | undefined;
    do {
      const page = await this.call('listContainers', async (abortSignal) => {
        const result = await this.service
          .listContainers({ prefix, abortSignal })
          .byPage({ maxPageSize: 1000, ...(continuationToken ? { continuationToken } : {}) })
          .next();
        return result.done ? undefined : result.value;
      });
      names.push(...(page?.containerItems ?? []).map((c) => c.name));
      continuationToken = page?.continuationToken || undefined;
    } while (continuationToken);
    return names;
  }

  /**
   * Copies the staged logs (and the outputs, when `outputs`) to their result names, then deletes the
   * container. Idempotent: a container already collected is `found: false`. A failed copy throws (transient
   * unless the container is not flotilla's), and the container stays for the next try.
   */
  async collect(name: string, options: { readonly outputs: boolean }): Promise<Collected> {
    try {
      const props = await this.call('getContainerProperties', (abortSignal) =>
        this.container(name).getProperties({ abortSignal }),
      );
      const target = decodeTarget(name, props.metadata?.[TARGET_KEY]);
      const outputs: string[] = [];
      const logs: string[] = [];
      for (const blob of await this.blobs(name)) {
        const [kind, rel] = blob.name.startsWith(`${STAGED_OUTPUTS}/`)
          ? (['outputs', blob.name.slice(STAGED_OUTPUTS.length + 1)] as const)
          : blob.name.startsWith(`${STAGED_LOGS}/`)
            ? (['logs', blob.name.slice(STAGED_LOGS.length + 1)] as const)
            : [undefined, ''];
        if (!kind || !rel || (kind === 'outputs' && !options.outputs)) continue;
        const to = { container: target[kind].container, blob: join(target[kind].prefix, rel) };
        await this.copy(name, blob, to);
        (kind === 'outputs' ? outputs : logs).push(to.blob);
      }
      await this.call('deleteContainer', (abortSignal) =>
        this.container(name).deleteIfExists({ abortSignal }),
      );
      return { found: true, outputs, logs };
    } catch (error) {
      if (error instanceof AlreadyCollected) return NOTHING;
      if (isNotFound(error) && !(await this.exists(name))) return NOTHING;
      throw error;
    }
  }

  private async blobs(name: string): Promise<{ name: string; size: number }[]> {
    const out: { name: string; size: number }[] = [];
    let continuationToken: string | undefined;
    do {
      const page = await this.call('listBlobs', async (abortSignal) => {
        const result = await this.container(name)
          .listBlobsFlat({ abortSignal })
          .byPage({ maxPageSize: 1000, ...(continuationToken ? { continuationToken } : {}) })
          .next();
        return result.done ? undefined : result.value;
      });
      for (const item of page?.segment.blobItems ?? [])
        out.push({ name: item.name, size: item.properties.contentLength ?? 0 });
      continuationToken = page?.continuationToken || undefined;
    } while (continuationToken);
    return out;
  }

  /** Server-side copy; the target container is made again if it was deleted meanwhile (once). */
  private async copy(
    staging: string,
    blob: { name: string; size: number },
    to: { container: string; blob: string },
  ): Promise<void> {
    const timeoutMs = this.options.asyncCopyTimeoutMs ?? ASYNC_COPY_TIMEOUT_MS;
    const expiresOn = new Date(Date.now() + timeoutMs + SYNC_COPY_TIMEOUT_MS);
    const sas = await this.call('sas', () => this.signer.blobReadSas(staging, blob.name, expiresOn));
    const source = `${this.container(staging).getBlockBlobClient(blob.name).url}?${sas}`;
    if (!this.ensured.has(to.container)) {
      await this.call('createContainer', (abortSignal) =>
        this.container(to.container).createIfNotExists({ abortSignal }),
      );
      this.ensured.add(to.container);
    }
    const run = () =>
      blob.size <= (this.options.syncCopyMaxBytes ?? SYNC_COPY_MAX_BYTES)
        ? this.syncCopy(source, to)
        : this.asyncCopy(source, to, timeoutMs);
    try {
      await run();
    } catch (error) {
      if (!isNotFound(error)) throw error;
      if (!(await this.exists(staging))) throw new AlreadyCollected();
      if (!(error instanceof AdapterError) || error.details.serviceCode !== 'ContainerNotFound') throw error;
      this.ensured.delete(to.container);
      await this.call('createContainer', (abortSignal) =>
        this.container(to.container).createIfNotExists({ abortSignal }),
      );
      await run();
    }
  }

  private async syncCopy(source: string, to: { container: string; blob: string }): Promise<void> {
    await callSdk(
      { service: 'blob', operation: 'copyFromUrl' },
      { ...this.policy, timeoutMs: Math.max(this.policy.timeoutMs, SYNC_COPY_TIMEOUT_MS) },
      (abortSignal) =>
        this.container(to.container).getBlockBlobClient(to.blob).syncCopyFromURL(source, { abortSignal }),
    );
  }

  /** Start Copy Blob, then poll its status until it ends, at most `timeoutMs`. */
  private async asyncCopy(
    source: string,
    to: { container: string; blob: string },
    timeoutMs: number,
  ): Promise<void> {
    const target = this.container(to.container).getBlockBlobClient(to.blob);
    // One Copy Blob; the SDK's poller is not run: waitForCopy polls, with its own bound.
    const started = await this.call('startCopyFromUrl', async (abortSignal) => {
      const poller = await target.beginCopyFromURL(source, { abortSignal });
      const state = poller.getOperationState() as BlobBeginCopyFromUrlPollState;
      return { copyId: state.copyId, copyStatus: state.result?.copyStatus };
    });
    await waitForCopy(
      started,
      {
        read: () => this.call('getProperties', (abortSignal) => target.getProperties({ abortSignal })),
        abort: (copyId) =>
          this.call('abortCopyFromUrl', async (abortSignal) => {
            await target.abortCopyFromURL(copyId, { abortSignal });
          }),
      },
      {
        timeoutMs,
        pollIntervalMs: this.options.pollIntervalMs ?? 2_000,
        now: this.options.now ?? Date.now,
        sleep: this.options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms))),
      },
      `blob copy to ${to.container}/${to.blob}`,
    );
  }

  private async exists(name: string): Promise<boolean> {
    return this.call('containerExists', (abortSignal) => this.container(name).exists({ abortSignal }));
  }

  private container(name: string): ContainerClient {
    return this.service.getContainerClient(name);
  }

  private call<T>(operation: string, fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
    return callSdk({ service: 'blob', operation }, this.policy, fn);
  }
}
