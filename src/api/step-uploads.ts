/**
 * POST /api/step-uploads/{grant}: the stage-out sidecar trades its attempt's upload grant for create-only SAS URLs of
 * the blobs it is about to write, each under the grant's prefix and nowhere else (docs/security.md, "Output
 * uploads"). The URLs expire with the grant; nothing is written here and the grant is never logged.
 */
import { z } from 'zod';
import type { BlobPort } from '../storage/port';
import { verifyUploadGrant } from '../security/upload-grant';
import { ApiError, parseWith } from './http';

/** Files per request: the sidecar asks in batches of this many. */
export const UPLOAD_BATCH_MAX = 500;
/** Azure's limit on a blob name. */
const BLOB_NAME_MAX = 1024;

// Control characters and bidi overrides/isolates: a name must read as it is stored.
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069\\]/;

/** Why a relative output path is refused, or undefined when it is a plain path below the prefix. */
export function unsafeOutputPath(path: string): string | undefined {
  if (UNSAFE.test(path)) return 'must not contain control characters, bidi controls or backslashes';
  const segments = path.split('/');
  if (segments.some((s) => s === ''))
    return 'must be relative, without empty segments (no leading, trailing or double "/")';
  if (segments.some((s) => s === '.' || s === '..')) return 'must not contain "." or ".." segments';
  return undefined;
}

export const uploadBody = z
  .object({
    files: z
      .array(z.string({ error: 'expected a relative path string' }), {
        error: 'expected an array of relative paths',
      })
      .min(1, { error: 'expected at least one path' })
      .max(UPLOAD_BATCH_MAX, { error: `expected at most ${UPLOAD_BATCH_MAX} paths per request` }),
  })
  .strict();

export async function grantUploads(
  store: Pick<BlobPort, 'uploadUrl' | 'recreateContainer'>,
  secret: string,
  grant: string,
  raw: unknown,
  nowMs: number,
): Promise<{ urls: Record<string, string>; expiresAt: string }> {
  const verified = verifyUploadGrant(secret, grant, nowMs);
  if (!verified.ok) {
    const status = verified.code === 'expired' ? 410 : 401;
    throw new ApiError(
      status,
      `upload_${verified.code.replace('-', '_')}`,
      `upload refused: ${verified.message}`,
    );
  }
  const { files } = parseWith(uploadBody, raw, 'the upload request');
  const { container, prefix, expiresAt } = verified.claims;
  const details = files.flatMap((file, i) => {
    const reason = unsafeOutputPath(file);
    const name = prefix ? `${prefix}/${file}` : file;
    if (reason) return [{ path: `files[${i}]`, message: `${JSON.stringify(file)} ${reason}` }];
    if (name.length > BLOB_NAME_MAX)
      return [
        {
          path: `files[${i}]`,
          message: `the blob name would be ${name.length} characters; at most ${BLOB_NAME_MAX}`,
        },
      ];
    return [];
  });
  if (details.length)
    throw new ApiError(
      400,
      'invalid_request',
      `the upload request is not valid: ${details.map((d) => `${d.path}: ${d.message}`).join('; ')}`,
      details,
    );
  // The results container may have been deleted mid-run: a step's outputs must land somewhere.
  await store.recreateContainer(container);
  const expiresOn = new Date(expiresAt);
  const urls: Record<string, string> = {};
  for (const file of new Set(files)) {
    urls[file] = await store.uploadUrl(container, prefix ? `${prefix}/${file}` : file, expiresOn);
  }
  return { urls, expiresAt: expiresOn.toISOString() };
}
