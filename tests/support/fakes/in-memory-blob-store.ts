/**
 * An in-memory BlobPort (src/storage/port.ts) for the fast tier: containers of text blobs with ETags, and the
 * same conditional-write rules as the Azure adapter (If-Match / If-None-Match: `*` lose with CONFLICT).
 */
import { createHash } from 'node:crypto';
import { AdapterError } from '../../../src/adapters/errors';
import type { BlobItemInfo, BlobPort, ManifestRead } from '../../../src/storage/port';

interface StoredBlob {
  readonly text: string;
  readonly etag: string;
  readonly contentType: string;
}

export class InMemoryBlobStore implements BlobPort {
  private readonly containers = new Map<string, Map<string, StoredBlob>>();
  private version = 0;

  constructor(private readonly pipelinesContainer = 'pipelines') {}

  /** Every blob name of a container, sorted (for assertions). */
  names(container: string): string[] {
    return [...(this.containers.get(container)?.keys() ?? [])].sort();
  }

  list(container: string, prefix: string): Promise<BlobItemInfo[]> {
    const items = this.names(container)
      .filter((name) => name.startsWith(prefix))
      .map((name) => {
        const blob = this.blob(container, name);
        const text = blob?.text ?? '';
        const md5 = createHash('md5').update(text).digest('base64');
        return { name, size: Buffer.byteLength(text), md5, ...(blob ? { etag: blob.etag } : {}) };
      });
    return Promise.resolve(items);
  }

  /** Copies a blob (content type kept); a missing source rejects with NOT_FOUND, as the adapter does. */
  copyBlob(container: string, source: string, targetContainer: string, target: string): Promise<void> {
    const found = this.blob(container, source);
    if (!found)
      return Promise.reject(
        new AdapterError('NOT_FOUND', 'permanent', `${container}/${source}: no such blob`, {
          service: 'blob',
          operation: 'copy',
        }),
      );
    this.write(targetContainer, target, found.text, found.contentType);
    return Promise.resolve();
  }

  putText(
    container: string,
    blob: string,
    text: string,
    contentType = 'text/plain; charset=utf-8',
  ): Promise<void> {
    this.write(container, blob, text, contentType);
    return Promise.resolve();
  }

  getText(container: string, blob: string): Promise<string | undefined> {
    return Promise.resolve(this.blob(container, blob)?.text);
  }

  readManifest<T>(container: string, blob: string): Promise<ManifestRead<T> | undefined> {
    const found = this.blob(container, blob);
    return Promise.resolve(found ? { value: JSON.parse(found.text) as T, etag: found.etag } : undefined);
  }

  writeManifest(container: string, blob: string, value: unknown, etag: string | undefined): Promise<string> {
    const current = this.blob(container, blob);
    const lost = etag === undefined ? current !== undefined : current?.etag !== etag;
    if (lost) {
      const why = etag === undefined ? 'the blob already exists' : 'the blob changed since it was read';
      return Promise.reject(
        new AdapterError('CONFLICT', 'permanent', `${container}/${blob}: ${why}`, {
          service: 'blob',
          operation: 'writeManifest',
        }),
      );
    }
    return Promise.resolve(this.write(container, blob, JSON.stringify(value, null, 2), 'application/json'));
  }

  async createOnce(container: string, blob: string, value: unknown): Promise<boolean> {
    try {
      await this.writeManifest(container, blob, value, undefined);
      return true;
    } catch (error) {
      if (error instanceof AdapterError && error.code === 'CONFLICT') return false;
      throw error;
    }
  }

  /** Not a usable URL: the fast tier has no blob service to sign for. */
  readUrl(container: string, blob: string, expiresOn: Date): Promise<string> {
    return Promise.resolve(`memory:///${container}/${blob}?sp=r&se=${expiresOn.toISOString()}`);
  }

  uploadUrl(container: string, blob: string, expiresOn: Date): Promise<string> {
    return Promise.resolve(`memory:///${container}/${blob}?sp=c&se=${expiresOn.toISOString()}`);
  }

  putPipeline(name: string, text: string): Promise<void> {
    return this.putText(this.pipelinesContainer, `${name}.yaml`, text, 'application/yaml');
  }

  getPipeline(name: string): Promise<string | undefined> {
    return this.getText(this.pipelinesContainer, `${name}.yaml`);
  }

  async listPipelines(): Promise<string[]> {
    return (await this.list(this.pipelinesContainer, '')).map((i) => i.name.replace(/\.yaml$/, ''));
  }

  private blob(container: string, name: string): StoredBlob | undefined {
    return this.containers.get(container)?.get(name);
  }

  private write(container: string, blob: string, text: string, contentType: string): string {
    const blobs = this.containers.get(container) ?? new Map<string, StoredBlob>();
    this.containers.set(container, blobs);
    this.version += 1;
    const etag = `"0x${this.version.toString(16)}"`;
    blobs.set(blob, { text, etag, contentType });
    return etag;
  }

  /** Storage in memory is always reachable. */
  probe(): Promise<void> {
    return Promise.resolve();
  }

  recreateContainer(): Promise<void> {
    return Promise.resolve();
  }
}
