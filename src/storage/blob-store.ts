import type { BlobServiceClient, ContainerClient } from '@azure/storage-blob';
import { Readable } from 'node:stream';
import { type CallPolicy, callSdk } from '../adapters/call-policy';
import { AdapterError } from '../adapters/errors';
import type { BlobItemInfo, BlobPort, ManifestRead } from './port';
import type { SasSigner } from './sas';
import { StagingContainers } from './staging-containers';

export type { BlobItemInfo, ManifestRead } from './port';

/**
 * The blob adapter: inputs, outputs, logs, run manifests and pipeline specs. The only user of
 * @azure/storage-blob besides the SAS signer. Every call has a deadline and fails as a AdapterError.
 */
export interface BlobStoreOptions {
  readonly policy: CallPolicy;
  /** Container of pipeline specs (FLOTILLA_PIPELINES_CONTAINER). */
  readonly pipelinesContainer: string;
  /** SAS lifetime added to a step's timeout. */
  readonly sasMarginMs?: number;
}

/**
 * A step's SAS outlives its deadline (the timeout counts from the start, provisioning included) only by the
 * time its last upload may take after a command that exits at the deadline: 10 minutes. Lifetime bound:
 * timeout + 10 min, plus the 5-minute start skew of every SAS (docs/security.md).
 */
export const SAS_MARGIN_MS = 10 * 60_000;
const DEFAULT_MARGIN_MS = SAS_MARGIN_MS;

export class BlobStore implements BlobPort {
  private readonly ensured = new Set<string>();
  private readonly containers = new Map<string, ContainerClient>();
  private stagingContainers?: StagingContainers;

  constructor(
    private readonly service: BlobServiceClient,
    private readonly signer: SasSigner,
    private readonly options: BlobStoreOptions,
  ) {}

  get url(): string {
    return this.service.url;
  }

  /** Batch attempts' staging containers, on this account with this signer (staging-containers.ts). */
  get staging(): StagingContainers {
    this.stagingContainers ??= new StagingContainers(this.service, this.signer, this.options.policy);
    return this.stagingContainers;
  }

  /** When a SAS for a step with this timeout must expire. */
  sasExpiry(timeoutMs: number, now = Date.now()): Date {
    return new Date(now + timeoutMs + (this.options.sasMarginMs ?? DEFAULT_MARGIN_MS));
  }

  /** Read-only SAS URL of one blob. */
  async readUrl(container: string, blob: string, expiresOn: Date): Promise<string> {
    const sas = await this.call('sas', () => this.signer.blobReadSas(container, blob, expiresOn));
    return `${this.container(container).getBlockBlobClient(blob).url}?${sas}`;
  }

  /** Create-only, HTTPS-only SAS URL of one blob (no overwrite, read, list or delete); the container is created first. */
  async uploadUrl(container: string, blob: string, expiresOn: Date): Promise<string> {
    await this.ensureContainer(container);
    const sas = await this.call('sas', () => this.signer.blobCreateSas(container, blob, expiresOn));
    return `${this.container(container).getBlockBlobClient(blob).url}?${sas}`;
  }

  /** Creates the container if it is missing (not the cache: it may have been deleted since). */
  async recreateContainer(container: string): Promise<void> {
    await this.createContainer(container);
  }

  /** Create-only, HTTPS-only SAS URL of a container (no overwrite, read, list or delete). */
  async writeUrl(container: string, expiresOn: Date): Promise<string> {
    // Not the cache: the container may have been deleted since (a step's outputs must land somewhere).
    await this.createContainer(container);
    const sas = await this.call('sas', () => this.signer.containerWriteSas(container, expiresOn));
    return `${this.container(container).url}?${sas}`;
  }

  async ensureContainer(container: string): Promise<void> {
    if (this.ensured.has(container)) return;
    await this.createContainer(container);
  }

  private async createContainer(container: string): Promise<void> {
    await this.call('createContainer', (abortSignal) =>
      this.container(container).createIfNotExists({ abortSignal }),
    );
    this.ensured.add(container);
  }

  /** Every blob under a prefix, following continuation tokens page by page; none if the container is missing. */
  async list(container: string, prefix: string, pageSize = 1000): Promise<BlobItemInfo[]> {
    try {
      return await this.listPages(container, prefix, pageSize);
    } catch (error) {
      if (error instanceof AdapterError && error.code === 'NOT_FOUND') return [];
      throw error;
    }
  }

  private async listPages(container: string, prefix: string, pageSize: number): Promise<BlobItemInfo[]> {
    const out: BlobItemInfo[] = [];
    let continuationToken: string | undefined;
    do {
      const page = await this.call('listBlobs', async (abortSignal) => {
        const iterator = this.container(container)
          .listBlobsFlat({ prefix, abortSignal })
          .byPage({ maxPageSize: pageSize, ...(continuationToken ? { continuationToken } : {}) });
        const result = await iterator.next();
        return result.done ? undefined : result.value;
      });
      for (const item of page?.segment.blobItems ?? []) {
        const md5 = item.properties.contentMD5;
        out.push({
          name: item.name,
          size: item.properties.contentLength ?? 0,
          ...(item.properties.etag ? { etag: item.properties.etag } : {}),
          ...(md5 && md5.length > 0 ? { md5: Buffer.from(md5).toString('base64') } : {}),
        });
      }
      continuationToken = page?.continuationToken || undefined;
    } while (continuationToken);
    return out;
  }

  async putText(
    container: string,
    blob: string,
    text: string,
    contentType = 'text/plain; charset=utf-8',
  ): Promise<void> {
    await this.inContainer(container, () =>
      this.call('upload', (abortSignal) =>
        this.container(container)
          .getBlockBlobClient(blob)
          .upload(text, Buffer.byteLength(text), {
            abortSignal,
            blobHTTPHeaders: { blobContentType: contentType },
          }),
      ),
    );
  }

  /**
   * Copies one blob (streamed through this process: download and upload, content type and MD5 kept), so it
   * needs no SAS for the source. Overwrites the target; a missing source throws NOT_FOUND.
   */
  async copyBlob(container: string, source: string, targetContainer: string, target: string): Promise<void> {
    await this.inContainer(targetContainer, () =>
      this.call('copy', async (abortSignal) => {
        const from = await this.container(container).getBlockBlobClient(source).download(0, undefined, {
          abortSignal,
        });
        const body = from.readableStreamBody;
        const headers = {
          ...(from.contentType ? { blobContentType: from.contentType } : {}),
          ...(from.blobContentMD5 ? { blobContentMD5: from.blobContentMD5 } : {}),
        };
        const to = this.container(targetContainer).getBlockBlobClient(target);
        if (!body) await to.upload('', 0, { abortSignal, blobHTTPHeaders: headers });
        else
          await to.uploadStream(Readable.from(body), 4 * 1024 * 1024, 4, {
            abortSignal,
            blobHTTPHeaders: headers,
          });
      }),
    );
  }

  /** Deletes the blob; a blob that does not exist counts as deleted. */
  async deleteIfExists(container: string, blob: string): Promise<void> {
    await this.call('delete', (abortSignal) =>
      this.container(container).getBlockBlobClient(blob).deleteIfExists({ abortSignal }),
    );
  }

  /** The blob's text, or undefined when it does not exist. */
  async getText(container: string, blob: string): Promise<string | undefined> {
    const read = await this.getWithEtag(container, blob);
    return read?.text;
  }

  /** Reads a JSON manifest with its ETag, for a later conditional write. */
  async readManifest<T>(container: string, blob: string): Promise<ManifestRead<T> | undefined> {
    const read = await this.getWithEtag(container, blob);
    return read ? { value: JSON.parse(read.text) as T, etag: read.etag } : undefined;
  }

  /**
   * Writes a manifest in one Put Blob (readers see the old or the new document, never a mix) under
   * optimistic concurrency: `etag` = the version read (or undefined to create only if absent). Returns the
   * new ETag; a lost race throws CONFLICT, to be re-read and retried.
   */
  async writeManifest(
    container: string,
    blob: string,
    value: unknown,
    etag: string | undefined,
  ): Promise<string> {
    const text = JSON.stringify(value, null, 2);
    const response = await this.inContainer(container, () =>
      this.call('writeManifest', (abortSignal) =>
        this.container(container)
          .getBlockBlobClient(blob)
          .upload(text, Buffer.byteLength(text), {
            abortSignal,
            blobHTTPHeaders: { blobContentType: 'application/json' },
            conditions: etag ? { ifMatch: etag } : { ifNoneMatch: '*' },
          }),
      ),
    );
    return response.etag ?? '';
  }

  /** Creates a blob only if it does not exist yet; false when it already did (a journal / once-marker). */
  async createOnce(container: string, blob: string, value: unknown): Promise<boolean> {
    try {
      await this.writeManifest(container, blob, value, undefined);
      return true;
    } catch (error) {
      if (error instanceof AdapterError && error.code === 'CONFLICT') return false;
      throw error;
    }
  }

  /** A cheap read that fails when storage is unreachable (health checks): does the pipelines container exist? */
  async probe(): Promise<void> {
    await this.call('probe', (abortSignal) =>
      this.container(this.options.pipelinesContainer).exists({ abortSignal }),
    );
  }

  async putPipeline(name: string, text: string): Promise<void> {
    await this.putText(this.options.pipelinesContainer, `${name}.yaml`, text, 'application/yaml');
  }

  getPipeline(name: string): Promise<string | undefined> {
    return this.getText(this.options.pipelinesContainer, `${name}.yaml`);
  }

  async listPipelines(): Promise<string[]> {
    const items = await this.list(this.options.pipelinesContainer, '');
    return items.map((i) => i.name.replace(/\.yaml$/, ''));
  }

  private async getWithEtag(
    container: string,
    blob: string,
  ): Promise<{ text: string; etag: string } | undefined> {
    try {
      return await this.call('download', async (abortSignal) => {
        const response = await this.container(container)
          .getBlockBlobClient(blob)
          .download(0, undefined, { abortSignal });
        const chunks: Buffer[] = [];
        for await (const chunk of response.readableStreamBody ?? [])
          chunks.push(Buffer.from(chunk as Buffer));
        return { text: Buffer.concat(chunks).toString('utf8'), etag: response.etag ?? '' };
      });
    } catch (error) {
      if (error instanceof AdapterError && error.code === 'NOT_FOUND') return undefined;
      throw error;
    }
  }

  /**
   * Runs a write in a container this process believes exists. If it was deleted meanwhile (ContainerNotFound),
   * forgets the belief, creates the container again and retries the write once.
   */
  private async inContainer<T>(container: string, write: () => Promise<T>): Promise<T> {
    await this.ensureContainer(container);
    try {
      return await write();
    } catch (error) {
      if (!(error instanceof AdapterError) || error.details.serviceCode !== 'ContainerNotFound') throw error;
      this.ensured.delete(container);
      await this.ensureContainer(container);
      return write();
    }
  }

  /** One client per container (a ContainerClient builds its own pipeline: not worth rebuilding per call). */
  private container(name: string): ContainerClient {
    let client = this.containers.get(name);
    if (!client) {
      if (this.containers.size >= 256) this.containers.clear(); // per-attempt containers come and go
      this.containers.set(name, (client = this.service.getContainerClient(name)));
    }
    return client;
  }

  private call<T>(operation: string, fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
    return callSdk({ service: 'blob', operation }, this.options.policy, fn);
  }
}
