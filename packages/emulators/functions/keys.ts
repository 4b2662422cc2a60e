/**
 * Function keys, like the host's `default` function key and `_master` key: `authLevel: 'function'` accepts
 * either, `admin` only the master key. Sent as the `x-functions-key` header or the `code` query parameter.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';

export interface HostKeys {
  readonly default: string;
  readonly master: string;
  /** The `durabletask_extension` system key: the Durable management webhook's key (or the master key). */
  readonly durableTask: string;
}

export function resolveKeys(given?: Partial<HostKeys>): HostKeys {
  const generate = () => randomBytes(30).toString('base64url');
  return {
    default: given?.default ?? generate(),
    master: given?.master ?? generate(),
    durableTask: given?.durableTask ?? generate(),
  };
}

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function suppliedKey(header: string | string[] | undefined, url: URL): string | undefined {
  const fromHeader = Array.isArray(header) ? header[0] : header;
  return (fromHeader || undefined) ?? (url.searchParams.get('code') || undefined);
}

/**
 * The Durable management webhook (and `/durabletask/` on the public port): the `durabletask_extension`
 * system key or the master key, as `code=` or `x-functions-key`, as in Azure. Undefined when allowed.
 */
export function checkSystemKey(
  keys: HostKeys,
  header: string | string[] | undefined,
  url: URL,
): string | undefined {
  const supplied = suppliedKey(header, url);
  if (!supplied)
    return 'The Durable management API requires the durabletask_extension system key or the master key: send it in the x-functions-key header or the code query parameter.';
  if (same(supplied, keys.durableTask) || same(supplied, keys.master)) return undefined;
  return 'The key supplied is not valid for the Durable management API (it takes the durabletask_extension system key or the master key).';
}

/** Undefined when the request may proceed, else the reason (which never contains a key). */
export function checkKey(
  authLevel: string,
  keys: HostKeys,
  header: string | string[] | undefined,
  url: URL,
): string | undefined {
  const level = authLevel.toLowerCase();
  if (level === 'anonymous') return undefined;
  const supplied = suppliedKey(header, url);
  if (!supplied) {
    return `This function requires a ${level === 'admin' ? 'master' : 'function'} key: send it in the x-functions-key header or the code query parameter.`;
  }
  if (same(supplied, keys.master)) return undefined;
  if (level !== 'admin' && same(supplied, keys.default)) return undefined;
  return `The key supplied is not valid for authLevel "${level}".`;
}
