/** Blob trigger metadata: which functions watch which containers, and what an invocation is told about a blob. */
import { substituteSettings } from '../app-config';
import { triggerOf } from '../bindings';
import type { RegisteredFunction, RpcTypedData } from '../contracts';
import { parseBlobPattern, type BlobPattern } from './blob-path';
import type { GridEvent } from './event-grid';

export interface BlobEntry {
  readonly fn: RegisteredFunction;
  readonly pattern: BlobPattern;
  readonly connection: string;
  readonly eventGridSource: boolean;
}

export interface BlobProperties {
  readonly contentType?: string | undefined;
  readonly etag?: string | undefined;
  readonly lastModified?: Date | undefined;
  readonly length: number;
}

export function blobEntries(functions: readonly RegisteredFunction[]): BlobEntry[] {
  const entries: BlobEntry[] = [];
  for (const fn of functions) {
    const { binding } = triggerOf(fn);
    if (binding.type.toLowerCase() !== 'blobtrigger') continue;
    if (typeof binding.path !== 'string')
      throw new Error(`Blob trigger "${fn.name}": path must be a string such as "samples/{name}".`);
    entries.push({
      fn,
      pattern: parseBlobPattern(
        substituteSettings(binding.path, process.env, `Blob trigger "${fn.name}" path`),
        fn.name,
      ),
      connection:
        typeof binding.connection === 'string' && binding.connection
          ? binding.connection
          : 'AzureWebJobsStorage',
      eventGridSource: typeof binding.source === 'string' && binding.source.toLowerCase() === 'eventgrid',
    });
  }
  return entries;
}

export function blobTriggerMetadata(
  blobPath: string,
  uri: string,
  properties: BlobProperties,
  tokens: Record<string, string>,
): Record<string, RpcTypedData> {
  const metadata: Record<string, RpcTypedData> = {};
  for (const [key, value] of Object.entries(tokens)) metadata[key] = { string: value };
  metadata.BlobTrigger = { string: blobPath };
  metadata.Uri = { string: uri };
  metadata.Properties = {
    json: JSON.stringify({
      ContentType: properties.contentType ?? 'application/octet-stream',
      ETag: properties.etag ?? null,
      LastModified: properties.lastModified?.toISOString() ?? null,
      Length: properties.length,
    }),
  };
  metadata.Metadata = { json: '{}' };
  return metadata;
}

export function unquote(etag: string | undefined): string {
  return (etag ?? '').replace(/^"|"$/g, '');
}

export function blobCreatedEvent(url: string, container: string, blobName: string, etag: string): GridEvent {
  const raw = {
    id: `${blobName}@${etag}`,
    eventType: 'Microsoft.Storage.BlobCreated',
    subject: `/blobServices/default/containers/${container}/blobs/${blobName}`,
    eventTime: new Date().toISOString(),
    data: { api: 'PutBlob', url, eTag: etag },
    dataVersion: '',
    metadataVersion: '1',
  };
  return { id: raw.id, type: raw.eventType, subject: raw.subject, data: raw.data, raw };
}

/** `container/name` of a blob URL (`https://acct.blob.core.windows.net/c/n` or Azurite's `http://host/acct/c/n`). */
export function blobNameFromUrl(url: string, container: string): string | undefined {
  let segments: string[];
  try {
    segments = new URL(url).pathname.split('/').filter(Boolean);
  } catch {
    return undefined;
  }
  const index = segments[0] === container ? 0 : segments[1] === container ? 1 : -1;
  if (index < 0 || segments.length <= index + 1) return undefined;
  return segments
    .slice(index + 1)
    .map(decodeURIComponent)
    .join('/');
}
