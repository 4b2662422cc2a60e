/**
 * ASP.NET route templates as the Functions host uses them: literal segments (case-insensitive), `{name}`,
 * `{name?}`, `{name=default}`, `{name:constraint}` (int, long, bool, alpha, guid, double, float, decimal,
 * datetime, min(n), max(n), range(a,b), minlength(n), maxlength(n), length(n), regex(...)), and catch-all
 * `{*rest}` / `{**rest}` as the last segment.
 */
export interface CompiledRoute {
  readonly template: string;
  /** Higher first: literal segments outrank parameters, which outrank catch-alls. */
  readonly specificity: number;
  match(path: string): Record<string, string> | undefined;
}

interface Param {
  readonly name: string;
  readonly optional: boolean;
  readonly catchAll: boolean;
  readonly defaultValue?: string;
  readonly constraints: readonly ((value: string) => boolean)[];
}

export class RouteTemplateError extends Error {
  readonly code = 'ROUTE_TEMPLATE_INVALID';
}

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const simpleConstraints: Record<string, (v: string) => boolean> = {
  int: (v) => /^[+-]?\d+$/.test(v) && Math.abs(Number(v)) <= 2147483648,
  long: (v) => /^[+-]?\d+$/.test(v),
  bool: (v) => /^(true|false)$/i.test(v),
  alpha: (v) => /^[A-Za-z]+$/.test(v),
  guid: (v) => /^\{?[0-9a-f]{8}-?([0-9a-f]{4}-?){3}[0-9a-f]{12}\}?$/i.test(v),
  double: (v) => NUMBER.test(v),
  float: (v) => NUMBER.test(v),
  decimal: (v) => NUMBER.test(v),
  datetime: (v) => !Number.isNaN(Date.parse(v)),
};

function constraint(text: string, template: string): (value: string) => boolean {
  const simple = simpleConstraints[text.toLowerCase()];
  if (simple) return simple;
  const call = /^(\w+)\((.*)\)$/s.exec(text);
  const [fn, args] = call ? [call[1]!.toLowerCase(), call[2]!] : ['', ''];
  const nums = args.split(',').map((a) => Number(a.trim()));
  const [a = NaN, b = NaN] = nums;
  switch (fn) {
    case 'min':
      return (v) => /^[+-]?\d+$/.test(v) && Number(v) >= a;
    case 'max':
      return (v) => /^[+-]?\d+$/.test(v) && Number(v) <= a;
    case 'range':
      return (v) => /^[+-]?\d+$/.test(v) && Number(v) >= a && Number(v) <= b;
    case 'minlength':
      return (v) => v.length >= a;
    case 'maxlength':
      return (v) => v.length <= a;
    case 'length':
      return nums.length === 2 ? (v) => v.length >= a && v.length <= b : (v) => v.length === a;
    case 'regex': {
      const re = new RegExp(args, 'i');
      return (v) => re.test(v);
    }
    default:
      throw new RouteTemplateError(
        `Route "${template}": unknown constraint "${text}" (allowed: ${Object.keys(simpleConstraints).join(', ')}, min, max, range, minlength, maxlength, length, regex).`,
      );
  }
}

function parseParam(body: string, template: string): Param {
  const m = /^(\*{1,2})?([A-Za-z_][\w]*)(\?)?(?:=([^:]*))?((?::(?:[^:(]+(?:\(.*?\))?))*)(\?)?$/s.exec(body);
  if (!m) throw new RouteTemplateError(`Route "${template}": "{${body}}" is not a valid parameter.`);
  const constraints = (m[5] ?? '')
    .split(/:(?![^(]*\))/)
    .filter(Boolean)
    .map((c) => constraint(c, template));
  return {
    name: m[2]!,
    catchAll: Boolean(m[1]),
    optional: Boolean(m[3] ?? m[6]) || Boolean(m[1]) || m[4] !== undefined,
    ...(m[4] !== undefined ? { defaultValue: m[4] } : {}),
    constraints,
  };
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Compiles `prefix` + `template` (both without leading/trailing slashes) into a matcher for URL paths. */
export function compileRoute(prefix: string, template: string): CompiledRoute {
  const full = [prefix, template.replace(/^[~/]+|\/+$/g, '')].filter(Boolean).join('/');
  const params: Param[] = [];
  let pattern = '^';
  let specificity = 0;
  const segments = full === '' ? [] : full.split('/');
  segments.forEach((segment, index) => {
    if (segment === '') throw new RouteTemplateError(`Route "${template}": empty segment.`);
    const parts = segment.split(/(\{[^{}]*\})/).filter(Boolean);
    const only =
      parts.length === 1 && parts[0]!.startsWith('{') ? parseParam(parts[0]!.slice(1, -1), template) : null;
    if (only?.catchAll && index !== segments.length - 1) {
      throw new RouteTemplateError(`Route "${template}": a catch-all parameter must be the last segment.`);
    }
    if (only && (only.optional || only.catchAll)) {
      params.push(only);
      pattern += only.catchAll ? '(?:/(.*))?' : '(?:/([^/]+))?';
      specificity += only.catchAll ? 0 : 1;
      return;
    }
    pattern += '/';
    for (const part of parts) {
      if (part.startsWith('{')) {
        params.push(parseParam(part.slice(1, -1), template));
        pattern += '([^/]+?)';
        specificity += 2;
      } else {
        pattern += escapeRegex(part);
        specificity += 4;
      }
    }
  });
  const regex = new RegExp(`${pattern}/?$`, 'i');
  return {
    template,
    specificity,
    match(path) {
      const m = regex.exec(path);
      if (!m) return undefined;
      const values: Record<string, string> = {};
      for (const [i, param] of params.entries()) {
        const raw = m[i + 1];
        const value =
          raw === undefined || raw === '' ? param.defaultValue : decodeSegment(raw, param.catchAll);
        if (value === undefined) continue;
        if (!param.constraints.every((check) => check(value))) return undefined;
        values[param.name] = value;
      }
      return values;
    },
  };
}

function decodeSegment(raw: string, catchAll: boolean): string {
  try {
    return catchAll ? raw.split('/').map(decodeURIComponent).join('/') : decodeURIComponent(raw);
  } catch {
    return raw;
  }
}
