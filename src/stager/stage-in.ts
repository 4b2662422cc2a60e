import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, normalize, sep } from 'node:path';
import { type RetryOptions, defaultRetry, fetchWithRetry } from './http';

/** One input: a read-only SAS URL and where it goes under the input folder. */
export interface InputFile {
  readonly url: string;
  readonly path: string;
}

/** A relative path that stays inside `root`, or an error naming it. */
export function safeJoin(root: string, relative: string): string {
  const clean = normalize(relative).replace(/^([/\\])+/, '');
  if (!clean || clean === '.' || clean.split(/[/\\]/).includes('..')) {
    throw new Error(`input path ${JSON.stringify(relative)} is not a relative path inside ${root}`);
  }
  const full = join(root, clean);
  if (!full.startsWith(root.endsWith(sep) ? root : root + sep))
    throw new Error(`input path ${JSON.stringify(relative)} escapes ${root}`);
  return full;
}

export function parseInputs(json: string | undefined): InputFile[] {
  if (!json) return [];
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    throw new Error('FLOTILLA_INPUTS is not valid JSON: expected [{"url": "...", "path": "..."}]');
  }
  if (!Array.isArray(value)) throw new Error('FLOTILLA_INPUTS: expected an array of {"url", "path"}');
  return value.map((item: unknown, i) => {
    const o = item as Partial<InputFile>;
    if (typeof o?.url !== 'string' || typeof o.path !== 'string')
      throw new Error(`FLOTILLA_INPUTS[${i}]: expected {"url": string, "path": string}`);
    return { url: o.url, path: o.path };
  });
}

/** Downloads every input into `dir`, a few at a time. Returns the bytes written per path. */
export async function stageIn(
  inputs: readonly InputFile[],
  dir: string,
  log: (line: string) => void,
  retry: RetryOptions = defaultRetry,
  concurrency = 4,
): Promise<Record<string, number>> {
  await mkdir(dir, { recursive: true });
  const written: Record<string, number> = {};
  const queue = [...inputs];
  const worker = async () => {
    for (let input = queue.shift(); input; input = queue.shift()) {
      const target = safeJoin(dir, input.path);
      const response = await fetchWithRetry(input.url, { method: 'GET' }, `download ${input.path}`, retry);
      const data = Buffer.from(await response.arrayBuffer());
      await mkdir(dirname(target), { recursive: true });
      await writeFile(target, data);
      written[input.path] = data.length;
      log(`stage-in: ${input.path} (${data.length} bytes)`);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, inputs.length) }, worker));
  return written;
}
