import { ContainerClient, RestError } from '@azure/storage-blob';
import { createWriteStream, mkdirSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, posix, relative, resolve, sep } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { FailureInfo } from './model';
import { failure } from './failure';

/** A URL without its query string: SAS tokens never reach errors or logs. */
export const redactUrl = (url: string): string => url.split('?')[0] ?? '';

export interface ResourceFile {
  readonly httpUrl?: string;
  readonly storageContainerUrl?: string;
  readonly autoStorageContainerName?: string;
  readonly blobPrefix?: string;
  readonly filePath?: string;
}

/** Downloads a task's resource files into its working directory, as the node agent does before the command. */
export async function downloadResourceFiles(
  files: readonly ResourceFile[],
  workDir: string,
): Promise<FailureInfo | undefined> {
  for (const file of files) {
    if (file.httpUrl) {
      const target = join(workDir, file.filePath ?? '');
      let response: Response;
      try {
        response = await fetch(file.httpUrl);
      } catch (error) {
        return blobFailure('BlobDownloadMiscError', file.httpUrl, (error as Error).message);
      }
      if (!response.ok || !response.body) {
        await response.body?.cancel();
        const code =
          response.status === 404
            ? 'BlobNotFound'
            : response.status === 403
              ? 'BlobAccessDenied'
              : 'BlobDownloadMiscError';
        return blobFailure(code, file.httpUrl, `HTTP ${response.status}`);
      }
      mkdirSync(dirname(target), { recursive: true });
      await pipeline(Readable.fromWeb(response.body as never), createWriteStream(target));
    } else if (file.storageContainerUrl) {
      const failed = await downloadContainer(
        file.storageContainerUrl,
        file.blobPrefix,
        join(workDir, file.filePath ?? ''),
      );
      if (failed) return failed;
    } else {
      return failure(
        'AutoStorageNotConfigured',
        'autoStorageContainerName needs an auto-storage account, which this emulator does not have',
      );
    }
  }
  return undefined;
}

async function downloadContainer(
  url: string,
  prefix: string | undefined,
  targetDir: string,
): Promise<FailureInfo | undefined> {
  const container = new ContainerClient(url);
  try {
    for await (const blob of container.listBlobsFlat(prefix ? { prefix } : {})) {
      const target = join(targetDir, ...blob.name.split('/'));
      mkdirSync(dirname(target), { recursive: true });
      await container.getBlobClient(blob.name).downloadToFile(target);
    }
  } catch (error) {
    const status = error instanceof RestError ? error.statusCode : undefined;
    const code =
      status === 403
        ? 'ResourceContainerAccessDenied'
        : status === 404
          ? 'ResourceContainerNotFound'
          : 'ResourceContainerListMiscError';
    return blobFailure(code, url, status ? `HTTP ${status}` : (error as Error).message);
  }
  return undefined;
}

function blobFailure(code: string, url: string, detail: string): FailureInfo {
  return failure(code, `Failed to download resource file ${redactUrl(url)}: ${detail}`, 'usererror', [
    { name: 'FilePath', value: redactUrl(url) },
  ]);
}

export interface OutputFile {
  readonly filePattern: string;
  readonly destination: {
    readonly container?: {
      readonly containerUrl: string;
      readonly path?: string;
      readonly uploadHeaders?: readonly { name: string; value?: string }[];
    };
  };
  readonly uploadOptions: { readonly uploadCondition: string };
}

/**
 * Uploads output files whose `uploadCondition` matches the outcome. Patterns are relative to the working
 * directory (`../std*.txt` reaches the task directory); `**` spans folders. With a wildcard, `path` is a
 * virtual folder and each blob keeps its path below the pattern's fixed part; without one, `path` is the blob.
 */
export async function uploadOutputFiles(
  files: readonly OutputFile[],
  workDir: string | ((pattern: string) => MatchedFile[]),
  success: boolean,
): Promise<FailureInfo | undefined> {
  const match = typeof workDir === 'string' ? (p: string) => matchFiles(workDir, p) : workDir;
  for (const file of files) {
    const condition = file.uploadOptions.uploadCondition.toLowerCase();
    if ((condition === 'tasksuccess' && !success) || (condition === 'taskfailure' && success)) continue;
    const container = file.destination.container;
    if (!container) continue;
    const client = new ContainerClient(container.containerUrl);
    const contentType = container.uploadHeaders?.find(
      (h) => h.name.toLowerCase() === 'x-ms-blob-content-type',
    )?.value;
    for (const found of match(file.filePattern)) {
      const blobName = found.wildcard
        ? posix.join(container.path ?? '', found.relative)
        : (container.path ?? posix.basename(found.relative));
      const options = contentType ? { blobHTTPHeaders: { blobContentType: contentType } } : {};
      const blob = client.getBlockBlobClient(blobName);
      try {
        if (found.content) await blob.upload(found.content, found.content.length, options);
        else await blob.uploadFile(found.absolute, options);
      } catch (error) {
        const status = error instanceof RestError ? error.statusCode : undefined;
        const code =
          status === 403
            ? 'FileUploadAccessDenied'
            : status === 404
              ? 'FileUploadContainerNotFound'
              : 'FileUploadMiscError';
        return failure(
          code,
          `Failed to upload ${found.relative} to ${redactUrl(container.containerUrl)}: ${status ? `HTTP ${status}` : (error as Error).message}`,
        );
      }
    }
  }
  return undefined;
}

export interface MatchedFile {
  readonly absolute: string;
  /** Path below the pattern's fixed folder, with `/` separators. */
  readonly relative: string;
  readonly wildcard: boolean;
  /** Simulate mode: the file's bytes (there is no file on disk). */
  readonly content?: Buffer;
}

/** Files matching a Batch output file pattern (relative to `workDir`). */
export function matchFiles(workDir: string, pattern: string): MatchedFile[] {
  const segments = pattern
    .replace(/\\/g, '/')
    .split('/')
    .filter((s) => s !== '' && s !== '.');
  const firstWild = segments.findIndex((s) => /[*?[]/.test(s));
  if (firstWild < 0) {
    const absolute = resolve(workDir, ...segments);
    return isFile(absolute)
      ? [{ absolute, relative: segments[segments.length - 1] ?? '', wildcard: false }]
      : [];
  }
  const base = resolve(workDir, ...segments.slice(0, firstWild));
  const regex = globRegex(segments.slice(firstWild));
  return walk(base)
    .map((absolute) => relative(base, absolute).split(sep).join('/'))
    .filter((rel) => regex.test(rel))
    .map((rel) => ({ absolute: join(base, ...rel.split('/')), relative: rel, wildcard: true }));
}

/**
 * Files of a simulated task directory (paths relative to it, e.g. `stdout.txt`) matching a pattern relative
 * to its working directory `wd`, as matchFiles matches real ones.
 */
export function matchVirtualFiles(files: Readonly<Record<string, Buffer>>, pattern: string): MatchedFile[] {
  const segments = posix
    .normalize(posix.join('wd', pattern.replace(/\\/g, '/')))
    .split('/')
    .filter((s) => s !== '' && s !== '.');
  if (segments[0] === '..') return [];
  const firstWild = segments.findIndex((s) => /[*?[]/.test(s));
  if (firstWild < 0) {
    const path = segments.join('/');
    const content = files[path];
    return content ? [{ absolute: path, relative: segments.at(-1) ?? '', wildcard: false, content }] : [];
  }
  const base = segments.slice(0, firstWild).join('/');
  const regex = globRegex(segments.slice(firstWild));
  return Object.entries(files).flatMap(([path, content]) => {
    if (base && !path.startsWith(`${base}/`)) return [];
    const rel = base ? path.slice(base.length + 1) : path;
    return regex.test(rel) ? [{ absolute: path, relative: rel, wildcard: true, content }] : [];
  });
}

function globRegex(segments: readonly string[]): RegExp {
  const parts = segments.map((segment, i) => {
    if (segment === '**') return i === segments.length - 1 ? '.*' : '(?:.*/)?';
    const body = segment
      .replace(/[.+^${}()|\\]/g, '\\$&')
      .replace(/\*/g, '[^/]*')
      .replace(/\?/g, '[^/]');
    return i === segments.length - 1 ? body : `${body}/`;
  });
  return new RegExp(`^${parts.join('')}$`);
}

function walk(dir: string): string[] {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  return entries.flatMap((e) =>
    e.isDirectory() ? walk(join(dir, e.name)) : e.isFile() ? [join(dir, e.name)] : [],
  );
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}
