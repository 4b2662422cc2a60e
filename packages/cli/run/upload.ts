/**
 * `flotilla run` against a deployed app with local image files: asks the app for create-only upload URLs
 * (POST /api/uploads: one blob each, short-lived; docs/http-api.md) and uploads each file to
 * `<inputs.prefix><uploadId>/<file name>` in the pipeline's inputs container. No account key or connection
 * string is ever on the client; a URL is never printed (it carries a SAS).
 */
import { basename } from 'node:path';
import { BlockBlobClient } from '@azure/storage-blob';
import type { FlotillaApi } from '../api-client';
import { CliUsageError } from '../output';

/** Files per POST /api/uploads (the API's limit). */
const BATCH = 1000;

export async function uploadThroughApp(
  api: FlotillaApi,
  inputs: { container: string; prefix: string },
  files: readonly string[],
  log: (line: string) => void,
): Promise<string[]> {
  const byName = new Map<string, string>();
  for (const file of files) {
    const name = basename(file);
    const other = byName.get(name);
    if (other)
      throw new CliUsageError(
        `--images: ${other} and ${file} have the same file name; each image is uploaded under its file name`,
      );
    byName.set(name, file);
  }
  const names = [...byName.keys()];
  const blobs: string[] = [];
  for (let i = 0; i < names.length; i += BATCH) {
    const granted = await api.createUploads({ ...inputs, files: names.slice(i, i + BATCH) });
    if (i === 0) log(`uploading ${names.length} images to ${granted.container}/${granted.prefix}`);
    for (const upload of granted.uploads) {
      const file = byName.get(upload.file)!;
      try {
        await new BlockBlobClient(upload.url).uploadFile(file);
      } catch (error) {
        // The SDK's message may quote the request URL; say which file instead.
        const status = (error as { statusCode?: number }).statusCode;
        throw new Error(
          `uploading ${file} to ${granted.container}/${upload.blob} failed${status ? ` (HTTP ${status})` : ''}`,
        );
      }
      blobs.push(upload.blob);
    }
  }
  return blobs;
}
