/**
 * Image names (blob names) a run may take, checked before anything is written: each must lie under the
 * pipeline's inputs prefix without any way out of it, and each must get its own image key (the key names the
 * image's folders, records and resources). See docs/security.md.
 */
import { imageKey, relativeToPrefix } from '../runs/image-key';
import { ApiError } from './http';

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
const BIDI = /[\u202a-\u202e\u2066-\u2069]/;

/** Why the blob name cannot be an image of a run reading `prefix`, or undefined. */
export function imageNameProblem(name: string, prefix: string): string | undefined {
  if (CONTROL.test(name)) return 'has control characters (NUL, newline, ...)';
  if (BIDI.test(name)) return 'has bidirectional override characters (U+202A-U+202E, U+2066-U+2069)';
  if (/^[a-z][a-z0-9+.-]*:/i.test(name)) return 'is a URL; give a blob name inside the inputs container';
  if (name.startsWith('/') || name.includes('\\')) return 'must not start with "/" or contain "\\"';
  if (/%2e|%2f|%5c/i.test(name)) return 'has percent-encoded dots or slashes';
  const segments = name.split('/');
  if (segments.some((s) => s === '..' || s === '.')) return 'has "." or ".." segments';
  if (segments.some((s) => s === '')) return 'has an empty segment ("//" or a trailing "/")';
  const folder = prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/`;
  if (!name.startsWith(folder) || name.length === folder.length)
    return `is not under the pipeline's inputs prefix "${prefix}"`;
  return undefined;
}

/** Throws a 400 naming the first bad image, or both images of the first key they would share. */
export function checkImageNames(images: readonly string[], prefix: string, field: string): void {
  const problems = images.flatMap((name, index) => {
    const problem = imageNameProblem(name, prefix);
    return problem
      ? [{ path: `${field}[${index}]`, message: `image ${JSON.stringify(name)} ${problem}` }]
      : [];
  });
  if (problems.length > 0)
    throw new ApiError(
      400,
      'invalid_image',
      `${problems.length} image name${problems.length === 1 ? ' is' : 's are'} not allowed: ${problems
        .slice(0, 5)
        .map((p) => p.message)
        .join('; ')}`,
      problems.slice(0, 100),
    );
  const seen = new Map<string, string>();
  for (const [index, name] of images.entries()) {
    const key = imageKey(relativeToPrefix(name, prefix));
    const first = seen.get(key);
    if (first !== undefined)
      throw new ApiError(
        400,
        'image_key_clash',
        `images ${JSON.stringify(first)} and ${JSON.stringify(name)} would share the image key "${key}"; rename one`,
        [{ path: `${field}[${index}]`, message: `same image key as ${JSON.stringify(first)}` }],
      );
    seen.set(key, name);
  }
}
