/**
 * The bad-input table runner: each case is one request and what it must answer (a 4xx with a JSON body
 * naming the limit). A suite records every status it saw so it can assert that none was a 5xx.
 */
import type { E2E } from '../support/harness';

export interface BadInputCase {
  readonly name: string;
  /** Send the request; answer the response. */
  readonly send: (e2e: E2E) => Promise<Response>;
  readonly status: number;
  /** `error.code` of the JSON body, when the app answers. */
  readonly code?: string;
  /** Text the body must contain (the limit, the field). */
  readonly mentions?: readonly string[];
}

export function call(
  name: string,
  request: Parameters<E2E['host']['invokeHttp']>[1],
): (e2e: E2E) => Promise<Response> {
  return (e2e) => e2e.host.invokeHttp(name, request);
}

export async function check(e2e: E2E, c: BadInputCase, seen: number[]): Promise<void> {
  const response = await c.send(e2e);
  seen.push(response.status);
  const text = await response.text();
  expect([c.name, response.status]).toEqual([c.name, c.status]);
  expect([c.name, response.headers.get('content-type') ?? '']).toEqual([
    c.name,
    expect.stringContaining('application/json'),
  ]);
  const body = JSON.parse(text) as { error?: { code?: string } | string };
  expect(body.error).toBeDefined();
  if (c.code)
    expect([c.name, typeof body.error === 'object' ? body.error.code : body.error]).toEqual([c.name, c.code]);
  for (const word of c.mentions ?? [])
    expect([c.name, text]).toEqual([c.name, expect.stringContaining(word)]);
}
