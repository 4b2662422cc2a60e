/** The test-facing half of `Host`: function listing (as `func start` prints it), fetch and HTTP helpers. */
import { triggerOf } from './bindings';
import type { RegisteredFunction } from './contracts';
import type { HttpFunctionTable } from './http-functions';
import type { HostKeys } from './keys';

export interface FunctionInfo {
  readonly name: string;
  /** The trigger binding type, e.g. httpTrigger, timerTrigger, orchestrationTrigger. */
  readonly trigger: string;
  /** HTTP triggers: upper-case methods (empty: all) and the URL template. */
  readonly methods?: readonly string[];
  readonly url?: string;
  readonly authLevel?: string;
}

export type InvocationRecord =
  | { readonly name: string; readonly ok: true }
  | { readonly name: string; readonly ok: false; readonly error: string };

export interface HttpCall {
  readonly method?: string;
  /** Values for the route parameters (`{id}`); missing optional ones are left out. */
  readonly params?: Readonly<Record<string, string | number>>;
  readonly query?: Readonly<Record<string, string>>;
  readonly headers?: Readonly<Record<string, string>>;
  /** Objects are sent as JSON. */
  readonly body?: string | Buffer | Record<string, unknown> | unknown[];
  /** Leave the function key out even if the function needs one. */
  readonly withoutKey?: boolean;
}

const DURABLE_PATH = /^\/(runtime\/webhooks\/durabletask|durabletask)(\/|$)/i;

export class HostHelpers {
  constructor(
    readonly url: string,
    readonly keys: HostKeys,
    private readonly table: HttpFunctionTable,
    private readonly records: InvocationRecord[],
  ) {}

  /** The invocations so far (the most recent 10,000), in completion order. */
  invocations(name?: string): readonly InvocationRecord[] {
    return name ? this.records.filter((r) => r.name === name) : [...this.records];
  }

  /**
   * `fetch` against the host: `path` is relative to its origin (e.g. `/api/health`). Requests to the Durable
   * management routes get the master key (as `invokeHttp` does for functions) unless they carry a key
   * (`x-functions-key` or `code=`) already; use the global `fetch` to call them without one.
   */
  fetch(path: string, init?: RequestInit): Promise<Response> {
    const url = new URL(path, this.url);
    const headers = new Headers(init?.headers);
    if (DURABLE_PATH.test(url.pathname) && !headers.has('x-functions-key') && !url.searchParams.has('code'))
      headers.set('x-functions-key', this.keys.master);
    return fetch(url, { ...init, headers });
  }

  /** Calls an HTTP function through the server, filling its route parameters and its key. */
  invokeHttp(name: string, call: HttpCall = {}): Promise<Response> {
    const entry = this.table.entries.find((e) => e.fn.name === name);
    if (!entry) throw new Error(`No HTTP function named "${name}".`);
    const url = new URL(this.routeUrl(entry.route.template, entry.template, call.params ?? {}));
    for (const [key, value] of Object.entries(call.query ?? {})) url.searchParams.set(key, value);
    const headers: Record<string, string> = { ...call.headers };
    if (entry.authLevel.toLowerCase() !== 'anonymous' && !call.withoutKey)
      headers['x-functions-key'] = this.keys.master;
    let body: string | Buffer | undefined;
    if (call.body !== undefined) {
      if (typeof call.body === 'string' || Buffer.isBuffer(call.body)) body = call.body;
      else {
        body = JSON.stringify(call.body);
        headers['content-type'] ??= 'application/json';
      }
    }
    const method = call.method ?? entry.methods[0] ?? 'GET';
    return fetch(url, { method, headers, ...(body !== undefined ? { body } : {}) });
  }

  protected describe(functions: readonly RegisteredFunction[]): FunctionInfo[] {
    return functions.map((fn) => {
      const trigger = triggerOf(fn).binding.type;
      const entry = this.table.entries.find((e) => e.fn === fn);
      if (!entry) return { name: fn.name, trigger };
      return {
        name: fn.name,
        trigger,
        methods: entry.methods,
        url: this.routeUrl(entry.route.template, entry.template, undefined),
        authLevel: entry.authLevel,
      };
    });
  }

  private routeUrl(
    _compiled: string,
    template: string,
    params: Readonly<Record<string, string | number>> | undefined,
  ): string {
    const prefix = this.table.prefix;
    const filled = template.replace(/\{\*{0,2}([A-Za-z_]\w*)[^}]*\}/g, (token, name: string) => {
      if (!params) return token;
      const value = params[name];
      if (value === undefined) return '';
      return token.startsWith('{*') ? String(value) : encodeURIComponent(String(value));
    });
    const pathPart = [prefix, filled.replace(/^\/+/, '')]
      .filter(Boolean)
      .join('/')
      .replace(/\/+$/, '')
      .replace(/\/{2,}/g, '/');
    return `${this.url}/${pathPart}`;
  }
}
