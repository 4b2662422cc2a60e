/**
 * `flotilla outputs`: downloads what GET /api/runs/{id}/outputs lists, each blob through its own short-lived
 * read URL, to `<dir>/<imageKey>/<step>/<path>` (`<dir>/finalize/<step>/...` for the finalize step). A path
 * that would leave `<dir>` is refused; a URL is never printed (it carries a SAS).
 */
import { mkdirSync } from 'node:fs';
import { dirname, relative, resolve, sep } from 'node:path';
import { BlobClient } from '@azure/storage-blob';
import type { RunOutputs } from '../api-client';

export interface Downloaded {
  readonly image: string;
  readonly step: string;
  readonly path: string;
  readonly file: string;
  readonly size: number;
}

export function localPath(dir: string, output: RunOutputs['outputs'][number]): string {
  const root = resolve(dir);
  const file = resolve(root, output.imageKey, output.step, ...output.path.split('/'));
  const inside = relative(root, file);
  if (!inside || inside.startsWith(`..${sep}`) || inside === '..' || resolve(inside) === inside)
    throw new Error(`output ${JSON.stringify(output.blob)} would be written outside ${root}; refused`);
  return file;
}

export async function downloadOutputs(
  listed: RunOutputs,
  dir: string,
  progress: (done: Downloaded) => void,
): Promise<Downloaded[]> {
  const files: Downloaded[] = [];
  for (const output of listed.outputs) {
    const file = localPath(dir, output);
    mkdirSync(dirname(file), { recursive: true });
    try {
      await new BlobClient(output.url).downloadToFile(file);
    } catch (error) {
      const status = (error as { statusCode?: number }).statusCode;
      throw new Error(
        `downloading ${listed.container}/${output.blob} failed${status ? ` (HTTP ${status})` : ''}`,
      );
    }
    const done = { image: output.image, step: output.step, path: output.path, file, size: output.size };
    files.push(done);
    progress(done);
  }
  return files;
}
