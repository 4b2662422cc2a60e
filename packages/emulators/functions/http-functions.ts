/** The HTTP-trigger table: one compiled route per function, matched by specificity then registration order. */
import { triggerOf } from './bindings';
import type { RegisteredFunction } from './contracts';
import { compileRoute, type CompiledRoute } from './routes';

export interface HttpFunction {
  readonly fn: RegisteredFunction;
  readonly route: CompiledRoute;
  /** Upper-case; empty means every method. */
  readonly methods: readonly string[];
  readonly authLevel: string;
  /** Route template without the prefix, as registered (or the function name). */
  readonly template: string;
}

export type HttpMatch =
  | { readonly kind: 'match'; readonly fn: HttpFunction; readonly params: Record<string, string> }
  | { readonly kind: 'method'; readonly allowed: readonly string[] }
  | { readonly kind: 'none' };

export class HttpFunctionTable {
  readonly entries: readonly HttpFunction[];

  constructor(
    functions: readonly RegisteredFunction[],
    readonly prefix: string,
  ) {
    const routePrefix = prefix;
    const entries: HttpFunction[] = [];
    for (const fn of functions) {
      const { binding } = triggerOf(fn);
      if (binding.type.toLowerCase() !== 'httptrigger') continue;
      const template = typeof binding.route === 'string' && binding.route !== '' ? binding.route : fn.name;
      const methods = Array.isArray(binding.methods)
        ? binding.methods.map((m) => String(m).toUpperCase())
        : [];
      const authLevel = typeof binding.authLevel === 'string' ? binding.authLevel : 'function';
      entries.push({ fn, route: compileRoute(routePrefix, template), methods, authLevel, template });
    }
    this.entries = entries
      .map((entry, index) => ({ entry, index }))
      .sort((a, b) => b.entry.route.specificity - a.entry.route.specificity || a.index - b.index)
      .map(({ entry }) => entry);
  }

  match(method: string, path: string): HttpMatch {
    const allowed = new Set<string>();
    for (const entry of this.entries) {
      const params = entry.route.match(path);
      if (!params) continue;
      const upper = method.toUpperCase();
      if (
        entry.methods.length === 0 ||
        entry.methods.includes(upper) ||
        (upper === 'HEAD' && entry.methods.includes('GET'))
      ) {
        return { kind: 'match', fn: entry, params };
      }
      entry.methods.forEach((m) => allowed.add(m));
    }
    return allowed.size > 0 ? { kind: 'method', allowed: [...allowed] } : { kind: 'none' };
  }
}
