/**
 * Blob REST and the callback over global fetch, with retries. Dependency-free: the stager image holds Node
 * and these files only. URLs are never printed with their query string (it holds the SAS) nor with the callback
 * token or upload grant of their path.
 */
export const safeUrl = (url: string): string =>
  (url.split('?')[0] ?? url).replace(/\/api\/(callbacks|step-uploads)\/[^/]+/, '/api/$1/***');

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export interface RetryOptions {
  readonly attempts: number;
  readonly baseDelayMs: number;
  readonly timeoutMs: number;
}

export const defaultRetry: RetryOptions = { attempts: 5, baseDelayMs: 500, timeoutMs: 120_000 };

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** fetch with a deadline per attempt; retries network errors, 408, 429 and 5xx. */
export async function fetchWithRetry(
  url: string,
  init: RequestInit,
  what: string,
  retry = defaultRetry,
): Promise<Response> {
  let lastError: unknown;
  for (let attempt = 1; attempt <= retry.attempts; attempt += 1) {
    try {
      const response = await fetch(url, { ...init, signal: AbortSignal.timeout(retry.timeoutMs) });
      if (response.ok) return response;
      const body = (await response.text()).slice(0, 300).replace(/sig=[^&"'<\s]+/g, 'sig=***');
      const error = new HttpError(
        response.status,
        `${what}: HTTP ${response.status} from ${safeUrl(url)} ${body}`,
      );
      if (response.status !== 408 && response.status !== 429 && response.status < 500) throw error;
      lastError = error;
      const retryAfter = Number(response.headers.get('retry-after'));
      if (attempt < retry.attempts)
        await sleep(
          Number.isFinite(retryAfter) && retryAfter > 0
            ? retryAfter * 1000
            : retry.baseDelayMs * 2 ** (attempt - 1),
        );
    } catch (error) {
      if (error instanceof HttpError && error.status < 500 && error.status !== 408 && error.status !== 429)
        throw error;
      lastError =
        error instanceof HttpError
          ? error
          : new Error(`${what}: ${safeUrl(url)}: ${(error as Error).message}`);
      if (attempt < retry.attempts) await sleep(retry.baseDelayMs * 2 ** (attempt - 1));
    }
  }
  throw lastError instanceof Error ? lastError : new Error(`${what}: failed`);
}

/** `<container url>/<blob>?<sas>` from a container SAS URL. */
export function blobUrl(containerSasUrl: string, blobName: string): string {
  const [base = '', query = ''] = containerSasUrl.split('?');
  const path = blobName
    .split('/')
    .filter(Boolean)
    .map((segment) => encodeURIComponent(segment))
    .join('/');
  return `${base.replace(/\/+$/, '')}/${path}${query ? `?${query}` : ''}`;
}

const BLOB_HEADERS = { 'x-ms-version': '2021-08-06' };
const BLOCK_SIZE = 8 * 1024 * 1024;
const SINGLE_PUT_LIMIT = 64 * 1024 * 1024;

/** Uploads a buffer as a block blob: one Put Blob, or Put Block + Put Block List when large. */
export async function putBlockBlob(
  url: string,
  data: Buffer,
  contentType: string,
  retry = defaultRetry,
): Promise<void> {
  if (data.length <= SINGLE_PUT_LIMIT) {
    await fetchWithRetry(
      url,
      {
        method: 'PUT',
        headers: { ...BLOB_HEADERS, 'x-ms-blob-type': 'BlockBlob', 'content-type': contentType },
        body: data,
      },
      'upload',
      retry,
    );
    return;
  }
  const ids: string[] = [];
  for (let offset = 0, n = 0; offset < data.length; offset += BLOCK_SIZE, n += 1) {
    const id = Buffer.from(String(n).padStart(6, '0')).toString('base64');
    ids.push(id);
    const sep = url.includes('?') ? '&' : '?';
    await fetchWithRetry(
      `${url}${sep}comp=block&blockid=${encodeURIComponent(id)}`,
      { method: 'PUT', headers: BLOB_HEADERS, body: data.subarray(offset, offset + BLOCK_SIZE) },
      'upload block',
      retry,
    );
  }
  const list = `<?xml version="1.0" encoding="utf-8"?><BlockList>${ids.map((id) => `<Latest>${id}</Latest>`).join('')}</BlockList>`;
  const sep = url.includes('?') ? '&' : '?';
  await fetchWithRetry(
    `${url}${sep}comp=blocklist`,
    { method: 'PUT', headers: { ...BLOB_HEADERS, 'x-ms-blob-content-type': contentType }, body: list },
    'commit blocks',
    retry,
  );
}
