import { createHash } from 'node:crypto';

/** Longest readable part of an image key; a hash suffix keeps keys unique when a name is shortened. */
export const IMAGE_KEY_READABLE_MAX = 40;
/** The key the run's finalize step uses in its StepRef; no image gets it. */
export const RESERVED_KEY = 'finalize';
export const IMAGE_KEY_PATTERN = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;

/**
 * A key for one image, safe in instance ids, blob paths and resource names: lowercase letters, digits and
 * hyphens, at most 49 characters. Derived from the blob name relative to the pipeline's input prefix. A name
 * that is already safe and short is kept as is; any other name is sanitised, shortened and suffixed with
 * 8 hex digits of the SHA-256 of the full name, so two names never share a key.
 */
export function imageKey(relativeBlobName: string): string {
  if (relativeBlobName.length === 0) throw new Error('imageKey: the blob name is empty');
  if (
    relativeBlobName.length <= IMAGE_KEY_READABLE_MAX &&
    IMAGE_KEY_PATTERN.test(relativeBlobName) &&
    relativeBlobName !== RESERVED_KEY
  ) {
    return relativeBlobName;
  }
  const readable = relativeBlobName
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .slice(0, IMAGE_KEY_READABLE_MAX)
    .replace(/^-+|-+$/g, '');
  const hash = createHash('sha256').update(relativeBlobName).digest('hex').slice(0, 8);
  return readable.length > 0 ? `${readable}-${hash}` : `i-${hash}`;
}

/** The blob name relative to the pipeline's input prefix (prefix without a trailing slash is treated as a folder). */
export function relativeToPrefix(blobName: string, prefix: string | undefined): string {
  if (!prefix) return blobName;
  const folder = prefix.endsWith('/') ? prefix : `${prefix}/`;
  return blobName.startsWith(folder) ? blobName.slice(folder.length) : blobName;
}
