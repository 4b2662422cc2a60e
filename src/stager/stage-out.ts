import { readFile, readdir, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { type RetryOptions, blobUrl, defaultRetry, fetchWithRetry, putBlockBlob } from './http';

export interface StageOutOptions {
  readonly outDir: string;
  readonly exitFile: string;
  /** Container SAS URL (create only); used when no upload URL is given. */
  readonly containerUrl?: string;
  /** The app's upload endpoint (an upload grant): create-only SAS URLs per blob, under the grant's prefix. */
  readonly uploadUrl?: string;
  /** Blob name prefix, e.g. `runs/r1/outputs/img-1/tile`. */
  readonly prefix: string;
  readonly callbackUrl?: string;
  /** Give up waiting for the exit file after this long. */
  readonly waitTimeoutMs: number;
  readonly pollMs?: number;
  readonly retry?: RetryOptions;
}

export interface StageOutResult {
  readonly exitCode: number;
  readonly uploaded: readonly string[];
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Polls for the exit file the step wrapper writes; the step's exit code, or undefined after the deadline. */
export async function waitForExit(
  exitFile: string,
  timeoutMs: number,
  pollMs: number,
): Promise<number | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const text = (await readFile(exitFile, 'utf8')).trim();
      const code = Number(text);
      if (text !== '' && Number.isInteger(code)) return code;
    } catch {
      // not there yet
    }
    if (Date.now() >= deadline) return undefined;
    await sleep(pollMs);
  }
}

async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (folder: string) => {
    let entries;
    try {
      entries = await readdir(folder, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      const full = join(folder, entry.name);
      if (entry.isDirectory()) await walk(full);
      else if (entry.isFile()) out.push(full);
    }
  };
  await walk(dir);
  return out.sort();
}

const contentTypeOf = (name: string) =>
  /\.json$/i.test(name)
    ? 'application/json'
    : /\.(txt|log|csv)$/i.test(name)
      ? 'text/plain'
      : 'application/octet-stream';

/** Paths per request to the upload endpoint (its limit). */
const UPLOAD_BATCH = 500;

/** Where each file of a batch goes: a per-blob URL from the upload grant, or under the container SAS. */
async function uploadUrls(
  options: StageOutOptions,
  rels: readonly string[],
  prefix: string,
  retry: RetryOptions,
): Promise<(rel: string) => string> {
  if (options.uploadUrl) {
    const response = await fetchWithRetry(
      options.uploadUrl,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ files: rels }),
      },
      'upload grant',
      retry,
    );
    const { urls } = (await response.json()) as { urls: Record<string, string> };
    return (rel) => {
      const url = urls[rel];
      if (!url) throw new Error(`stage-out: the upload endpoint gave no URL for ${JSON.stringify(rel)}`);
      return url;
    };
  }
  const containerUrl = options.containerUrl;
  if (!containerUrl) throw new Error('stage-out: neither an upload URL nor an output container URL is set');
  return (rel) => blobUrl(containerUrl, prefix ? `${prefix}/${rel}` : rel);
}

/** Waits for the step, uploads everything under outDir, then reports the exit code to the callback. */
export async function stageOut(
  options: StageOutOptions,
  log: (line: string) => void,
): Promise<StageOutResult> {
  const retry = options.retry ?? defaultRetry;
  const exitCode = await waitForExit(options.exitFile, options.waitTimeoutMs, options.pollMs ?? 250);
  if (exitCode === undefined)
    throw new Error(`stage-out: the step wrote no exit code within ${options.waitTimeoutMs} ms`);
  log(`stage-out: step exited with ${exitCode}`);
  const uploaded: string[] = [];
  const prefix = options.prefix.replace(/^\/+|\/+$/g, '');
  const files = (await filesUnder(options.outDir)).map((file) => ({
    file,
    rel: relative(options.outDir, file).split(sep).join('/'),
  }));
  for (let i = 0; i < files.length; i += UPLOAD_BATCH) {
    const batch = files.slice(i, i + UPLOAD_BATCH);
    const urls = await uploadUrls(
      options,
      batch.map((f) => f.rel),
      prefix,
      retry,
    );
    for (const { file, rel } of batch) {
      const data = await readFile(file);
      await putBlockBlob(urls(rel), data, contentTypeOf(rel), retry);
      uploaded.push(prefix ? `${prefix}/${rel}` : rel);
      log(`stage-out: ${rel} (${(await stat(file)).size} bytes)`);
    }
  }
  if (options.callbackUrl) {
    // The callback only wakes the orchestration early; it reads the real status from the backend, and polls
    // for it when no callback comes. So a refused or failed callback is reported, never a failed stage-out:
    // the outputs are uploaded, and failing here would fail a step that succeeded.
    try {
      await fetchWithRetry(
        options.callbackUrl,
        {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ exitCode }),
        },
        'callback',
        retry,
      );
      log('stage-out: callback sent');
    } catch (error) {
      log(`stage-out: callback not delivered (${(error as Error).message}); the orchestration polls instead`);
    }
  }
  return { exitCode, uploaded };
}
