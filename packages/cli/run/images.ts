/**
 * `--images` for `flotilla run`: local files (paths or quoted globs) to upload, or, when nothing local
 * matches, blob names in the pipeline's input container (a value ending in "/" is a prefix).
 */
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { glob } from 'tinyglobby';

export type ImageSelection =
  | { readonly kind: 'files'; readonly files: string[] }
  | { readonly kind: 'blobs'; readonly names: string[] }
  | { readonly kind: 'prefix'; readonly prefix: string };

export class ImageSelectionError extends Error {}

export async function selectImages(patterns: readonly string[]): Promise<ImageSelection> {
  const files: string[] = [];
  const unmatched: string[] = [];
  for (const pattern of patterns) {
    if (existsSync(pattern) && statSync(pattern).isFile()) files.push(resolve(pattern));
    else if (/[*?[\]{}]/.test(pattern)) {
      const matches = (
        await glob(pattern, { onlyFiles: true, expandDirectories: false, absolute: true })
      ).sort();
      if (matches.length) files.push(...matches);
      else unmatched.push(pattern);
    } else unmatched.push(pattern);
  }
  if (files.length && unmatched.length) {
    throw new ImageSelectionError(
      `--images mixes local files with names that match no file: ${unmatched.join(', ')}`,
    );
  }
  if (files.length) return { kind: 'files', files: [...new Set(files)] };
  if (unmatched.some((p) => /[*?[\]{}]/.test(p))) {
    throw new ImageSelectionError(`--images: no local file matches ${unmatched.join(', ')}`);
  }
  if (unmatched.length === 1 && unmatched[0]!.endsWith('/')) return { kind: 'prefix', prefix: unmatched[0]! };
  return { kind: 'blobs', names: unmatched };
}
