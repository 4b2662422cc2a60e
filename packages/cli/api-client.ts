/**
 * A small client for flotilla's HTTP API, shared by `run`, `status`, `cancel` and `logs`. Errors keep the
 * API's JSON error (code, message, field details) so the CLI can print them as they are.
 */
import type { RunSummary } from '../../src/api/list-runs';
import type { RunOutputs } from '../../src/api/run-outputs';
import type { ImageView, RunView } from '../../src/api/run-view';
import type { Uploads } from '../../src/api/uploads';

/** The API's own response types (src/api), shared so the CLI cannot drift from the server. */
export type { ImageView, RunOutputs, RunSummary, RunView, Uploads };

export interface RunList {
  runs: RunSummary[];
  truncated: boolean;
}

export interface StoredPipeline {
  name: string;
  steps: string[];
  finalize?: string;
}

export interface StartedRun {
  runId: string;
  pipeline: string;
  images: number;
  status: string;
}

export interface RunLogs {
  runId: string;
  truncated: boolean;
  steps: {
    image: string;
    step: string;
    attempts: number;
    status: string;
    logs: { name: string; text: string }[];
  }[];
}

export class ApiCallError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: readonly { path: string; message: string }[] = [],
  ) {
    super(message);
    this.name = 'ApiCallError';
  }
}

export const ENDED_STATES = new Set([
  'succeeded',
  'partially_succeeded',
  'failed',
  'cancelled',
  'terminated',
  'budget_exceeded',
]);
const ENDED_RUNTIME = new Set(['Completed', 'Failed', 'Terminated', 'Canceled']);

/**
 * Whether a run has ended: a known outcome, or a state this CLI does not know (a newer app's, e.g.
 * `budget_exceeded`) whose orchestration has ended. A run never seems to go on for ever for want of a name.
 */
export function hasEnded(run: Pick<RunView, 'status' | 'runtimeStatus'>): boolean {
  if (ENDED_STATES.has(run.status)) return true;
  if (run.status === 'pending' || run.status === 'running') return false;
  return ENDED_RUNTIME.has(run.runtimeStatus);
}

export class FlotillaApi {
  constructor(
    readonly baseUrl: string,
    private readonly key?: string,
    private readonly timeoutMs = 30_000,
  ) {}

  startRun(body: {
    pipeline: unknown;
    images?: string[];
    prefix?: string;
    cache?: boolean;
    budget?: { maxCost: number; currency: string };
  }): Promise<StartedRun> {
    return this.request('POST', '/api/runs', body);
  }

  getRun(runId: string): Promise<RunView> {
    return this.request('GET', `/api/runs/${encodeURIComponent(runId)}`);
  }

  rerunRun(runId: string, only: 'failed' | 'all'): Promise<StartedRun & { rerunOf: string }> {
    return this.request('POST', `/api/runs/${encodeURIComponent(runId)}/rerun`, { only });
  }

  /** POST /api/plans: the quote of a run (docs/http-api.md, "Plans"). */
  plan(body: Record<string, unknown>): Promise<Record<string, unknown>> {
    return this.request('POST', '/api/plans', body);
  }

  cancelRun(runId: string): Promise<unknown> {
    return this.request('POST', `/api/runs/${encodeURIComponent(runId)}/cancel`);
  }

  getLogs(runId: string, filter: { image?: string; step?: string }): Promise<RunLogs> {
    return this.request('GET', `/api/runs/${encodeURIComponent(runId)}/logs${queryOf(filter)}`);
  }

  getManifest(runId: string): Promise<unknown> {
    return this.request('GET', `/api/runs/${encodeURIComponent(runId)}/manifest`);
  }

  listRuns(filter: { pipeline?: string; status?: string; limit?: number }): Promise<RunList> {
    return this.request('GET', `/api/runs${queryOf(filter)}`);
  }

  putPipeline(name: string, text: string, json: boolean): Promise<StoredPipeline> {
    return this.send('PUT', `/api/pipelines/${encodeURIComponent(name)}`, {
      text,
      contentType: json ? 'application/json' : 'application/yaml',
    }).then((t) => JSON.parse(t) as StoredPipeline);
  }

  getPipeline(name: string): Promise<string> {
    return this.send('GET', `/api/pipelines/${encodeURIComponent(name)}`);
  }

  getOutputs(runId: string, filter: { image?: string; step?: string }): Promise<RunOutputs> {
    return this.request('GET', `/api/runs/${encodeURIComponent(runId)}/outputs${queryOf(filter)}`);
  }

  createUploads(body: { container: string; prefix: string; files: string[] }): Promise<Uploads> {
    return this.request('POST', '/api/uploads', body);
  }

  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const text = await this.send(
      method,
      path,
      body !== undefined ? { text: JSON.stringify(body), contentType: 'application/json' } : undefined,
    );
    try {
      return (text ? JSON.parse(text) : undefined) as T;
    } catch {
      throw new ApiCallError(0, 'bad_response', `${method} ${path} answered with a body that is not JSON`);
    }
  }

  /** One request; the key goes in a header (never in the URL, so no error or log line shows it). */
  private async send(
    method: string,
    path: string,
    body?: { text: string; contentType: string },
  ): Promise<string> {
    const url = new URL(path, `${this.baseUrl}/`);
    let response: Response;
    try {
      response = await fetch(url, {
        method,
        headers: {
          ...(body ? { 'content-type': body.contentType } : {}),
          ...(this.key ? { 'x-functions-key': this.key } : {}),
        },
        ...(body ? { body: body.text } : {}),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message;
      throw new ApiCallError(0, 'unreachable', `cannot reach ${url.origin}: ${cause}`);
    }
    const text = await response.text();
    if (!response.ok) {
      let parsed: unknown;
      try {
        parsed = text ? JSON.parse(text) : undefined;
      } catch {
        parsed = undefined;
      }
      const error = (parsed as { error?: { code?: string; message?: string; details?: [] } } | undefined)
        ?.error;
      const unauthorized = response.status === 401 || response.status === 403;
      throw new ApiCallError(
        response.status,
        error?.code ?? `http_${response.status}`,
        error?.message ??
          (unauthorized
            ? `${url.origin} refused the function key (${response.status}): check FLOTILLA_FUNCTION_KEY, --key or the config file`
            : `${method} ${url.pathname} answered ${response.status}`),
        error?.details ?? [],
      );
    }
    return text;
  }
}

function queryOf(filter: Record<string, string | number | undefined>): string {
  const entries = Object.entries(filter).filter((e): e is [string, string | number] => e[1] !== undefined);
  const query = new URLSearchParams(entries.map(([k, v]): [string, string] => [k, String(v)])).toString();
  return query ? `?${query}` : '';
}
