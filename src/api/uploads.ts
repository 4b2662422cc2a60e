/**
 * POST /api/uploads: where a client (the `flotilla run --target` CLI) may put local images before it starts a
 * run. Each file gets a new blob `<prefix><uploadId>/<file>` in the container and a create-only SAS URL on that
 * one blob name (no read, overwrite, list or delete) that expires after UPLOAD_SAS_MS. flotilla's own
 * containers are refused as they are for a run's inputs (docs/security.md); no account key leaves the app.
 */
import type { DeploymentPolicy } from '../pipeline/deployment-policy';
import { prefixProblem } from '../pipeline/deployment-policy';
import type { BlobPort } from '../storage/port';
import { ApiError } from './http';
import { imageNameProblem } from './image-names';
import type { UploadBody } from './schemas';

export const UPLOAD_SAS_MS = 60 * 60_000;

export interface Uploads {
  readonly uploadId: string;
  readonly container: string;
  /** Where the files go: pass it (or the blob names) to POST /api/runs. */
  readonly prefix: string;
  readonly expiresOn: string;
  readonly uploads: readonly { readonly file: string; readonly blob: string; readonly url: string }[];
}

export async function uploadUrls(
  store: Pick<BlobPort, 'uploadUrl'>,
  policy: Pick<DeploymentPolicy, 'reservedContainers' | 'resultsContainer'>,
  body: UploadBody,
  options: { now: number; uploadId: string },
): Promise<Uploads> {
  const reserved = [...policy.reservedContainers, policy.resultsContainer];
  if (reserved.includes(body.container) || /^azure-webjobs-/.test(body.container))
    throw new ApiError(400, 'invalid_request', `"${body.container}" is flotilla's own container`, [
      { path: 'container', message: `uploads cannot go to ${reserved.join(', ')} or azure-webjobs-*` },
    ]);
  const problem = prefixProblem(body.prefix);
  if (problem)
    throw new ApiError(400, 'invalid_request', `the prefix ${problem}`, [
      { path: 'prefix', message: `the prefix ${problem}` },
    ]);
  const prefix = `${body.prefix}${options.uploadId}/`;
  const details = body.files.flatMap((file, index) => {
    const why = imageNameProblem(`${prefix}${file}`, body.prefix);
    return why ? [{ path: `files[${index}]`, message: `file ${JSON.stringify(file)} ${why}` }] : [];
  });
  if (details.length)
    throw new ApiError(400, 'invalid_request', `${details.length} file name(s) are not allowed`, details);
  const expiresOn = new Date(options.now + UPLOAD_SAS_MS);
  const uploads = [];
  for (const file of body.files) {
    const blob = `${prefix}${file}`;
    uploads.push({ file, blob, url: await store.uploadUrl(body.container, blob, expiresOn) });
  }
  return {
    uploadId: options.uploadId,
    container: body.container,
    prefix,
    expiresOn: expiresOn.toISOString(),
    uploads,
  };
}

/** A folder POST /api/uploads made: its blobs are for a run the client starts, never a run by themselves. */
export const UPLOAD_FOLDER = /^u-\d{14}-[0-9a-f]{8}$/;

export function isUploadedBlob(name: string): boolean {
  return name
    .split('/')
    .slice(0, -1)
    .some((segment) => UPLOAD_FOLDER.test(segment));
}

/** `u-<yyyymmddhhmmss>-<8 hex>`: sorts by time, unique enough that two uploads never share a folder. */
export function newUploadId(now: number, random: string): string {
  const stamp = new Date(now).toISOString().replace(/[-:T]/g, '').slice(0, 14);
  return `u-${stamp}-${random}`;
}
