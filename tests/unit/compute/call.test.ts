import { RestError, createHttpHeaders, createPipelineRequest } from '@azure/core-rest-pipeline';
import { type CallPolicy, type CallStats, callSdk } from '../../../src/adapters/call-policy';
import { AdapterError } from '../../../src/adapters/errors';

const ctx = { service: 'aci', operation: 'ContainerGroups_Get' } as const;

function httpError(status: number, headers: Record<string, string> = {}, code = 'X'): RestError {
  const request = createPipelineRequest({ url: 'https://127.0.0.1/x' });
  return new RestError('failed', {
    statusCode: status,
    code,
    request,
    response: { status, headers: createHttpHeaders(headers), request },
  });
}

function policy(slept: number[], over: Partial<CallPolicy> = {}): CallPolicy {
  return {
    timeoutMs: 1000,
    attempts: 3,
    baseDelayMs: 100,
    maxWaitMs: 5000,
    sleep: (ms) => {
      slept.push(ms);
      return Promise.resolve();
    },
    ...over,
  };
}

describe('callSdk', () => {
  it('retries transient failures and returns the first success', async () => {
    const slept: number[] = [];
    const answers = [httpError(503), httpError(500)];
    const stats: CallStats = { attempts: 0 };
    const result = await callSdk(
      ctx,
      policy(slept),
      () => {
        const next = answers.shift();
        return next ? Promise.reject(next) : Promise.resolve('ok');
      },
      stats,
    );
    expect(result).toBe('ok');
    expect(stats.attempts).toBe(3);
    expect(slept).toHaveLength(2);
    expect(slept[1]).toBeGreaterThanOrEqual(slept[0] ?? Infinity);
  });

  it('waits exactly what Retry-After asks when it is short', async () => {
    const slept: number[] = [];
    let calls = 0;
    await callSdk(ctx, policy(slept), () =>
      ++calls === 1 ? Promise.reject(httpError(429, { 'retry-after': '2' })) : Promise.resolve(1),
    );
    expect(slept).toEqual([2000]);
  });

  it('does not sleep on a long Retry-After: throws it for the durable retry policy', async () => {
    const slept: number[] = [];
    const error = await callSdk(ctx, policy(slept), () =>
      Promise.reject(httpError(429, { 'retry-after': '60' })),
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AdapterError);
    expect((error as AdapterError).code).toBe('THROTTLED');
    expect((error as AdapterError).retryAfterMs).toBe(60_000);
    expect(slept).toEqual([]);
  });

  it('never retries a permanent failure', async () => {
    const slept: number[] = [];
    let calls = 0;
    const error = await callSdk(ctx, policy(slept), () => {
      calls += 1;
      return Promise.reject(httpError(400, {}, 'InaccessibleImage'));
    }).catch((e: unknown) => e);
    expect((error as AdapterError).kind).toBe('permanent');
    expect(calls).toBe(1);
  });

  it('gives every attempt a deadline, even when the call ignores its abort signal', async () => {
    const slept: number[] = [];
    const signals: AbortSignal[] = [];
    const error = await callSdk(ctx, policy(slept, { timeoutMs: 30, attempts: 2 }), (signal) => {
      signals.push(signal);
      return new Promise<never>(() => undefined);
    }).catch((e: unknown) => e);
    expect((error as AdapterError).code).toBe('TIMEOUT');
    expect(signals).toHaveLength(2);
    expect(signals.every((s) => s.aborted)).toBe(true);
  });
});
