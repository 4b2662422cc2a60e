/**
 * The blob port: what the triggers and activities need from blob storage. `BlobStore` (blob-store.ts) is
 * the Azure adapter; tests may hand the app an in-memory implementation of the same contract.
 */
export interface BlobItemInfo {
  readonly name: string;
  readonly size: number;
  readonly etag?: string;
  /** Base64 Content-MD5, when the service has one (Put Blob sets it; copies keep it). */
  readonly md5?: string;
}

export interface ManifestRead<T> {
  readonly value: T;
  readonly etag: string;
}

export interface BlobPort {
  /** Every blob under a prefix; none if the container is missing. */
  list(container: string, prefix: string, pageSize?: number): Promise<BlobItemInfo[]>;
  putText(container: string, blob: string, text: string, contentType?: string): Promise<void>;
  /** The blob's text, or undefined when it does not exist. */
  getText(container: string, blob: string): Promise<string | undefined>;
  readManifest<T>(container: string, blob: string): Promise<ManifestRead<T> | undefined>;
  /**
   * Writes a JSON document under optimistic concurrency: `etag` = the version read, or undefined to create
   * only if absent. Returns the new ETag; a lost race throws an AdapterError with code CONFLICT.
   */
  writeManifest(container: string, blob: string, value: unknown, etag: string | undefined): Promise<string>;
  /** Creates a blob only if it does not exist yet; false when it already did. */
  createOnce(container: string, blob: string, value: unknown): Promise<boolean>;
  putPipeline(name: string, text: string): Promise<void>;
  getPipeline(name: string): Promise<string | undefined>;
  listPipelines(): Promise<string[]>;
  /** Read-only SAS URL of one blob, expiring at `expiresOn` (handed to an authenticated client only). */
  readUrl(container: string, blob: string, expiresOn: Date): Promise<string>;
  /** Create-only SAS URL of one new blob name, expiring at `expiresOn` (an authenticated client or an upload grant). */
  uploadUrl(container: string, blob: string, expiresOn: Date): Promise<string>;
  /** A cheap, bounded read that fails when storage is unreachable (the health route). */
  probe(): Promise<void>;
  /** Creates the container if it is missing. */
  recreateContainer(container: string): Promise<void>;
}
