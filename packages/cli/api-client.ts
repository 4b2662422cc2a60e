/**
 * A small client for flotilla's HTTP API, shared by `run`, `status`, `cancel` and `logs`. Errors keep the
 * API's JSON error (code, message, field details) so the CLI can print them as they are.
 */
import type { ImageView, RunView } from '../../src/api/run-view';

/** The API's own response types (src/api), shared so the CLI cannot drift from the server. */
export type { ImageView, RunView };

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
  'budget_exceeded',
]);

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
    const query = new URLSearchParams(
      Object.entries(filter).filter((e): e is [string, string] => e[1] !== undefined),
    ).toString();
    return this.request('GET', `/api/runs/${encodeURIComponent(runId)}/logs${query ? `?${query}` : ''}`);
  }

  getManifest(runId: string): Promise<unknown> {
    return this.request('GET', `/api/runs/${encodeURIComponent(runId)}/manifest`);
  }

  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const url = new URL(path, this.baseUrl);
    let response: Response;
    try {
      response = await fetch(url, {
        method,
        headers: {
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
          ...(this.key ? { 'x-functions-key': this.key } : {}),
        },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message;
      throw new ApiCallError(0, 'unreachable', `cannot reach ${url.origin}: ${cause}`);
    }
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    if (!response.ok) {
      const error = (parsed as { error?: { code?: string; message?: string; details?: [] } } | undefined)
        ?.error;
      throw new ApiCallError(
        response.status,
        error?.code ?? `http_${response.status}`,
        error?.message ?? `${method} ${url.pathname} answered ${response.status}`,
        error?.details ?? [],
      );
    }
    return parsed as T;
  }
}
