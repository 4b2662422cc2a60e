import { ArmError } from './errors';

export type ArmRequestKind = 'reads' | 'writes' | 'deletes';

export interface BucketSpec {
  /** Bucket size (burst). */
  readonly bucket: number;
  /** Tokens added per second. */
  readonly refillPerSecond: number;
}

export type ArmThrottlingLimits = Readonly<Record<ArmRequestKind, BucketSpec>>;

/**
 * ARM's regional token buckets per subscription (2024 model; docs/emulators-aci.md, 'ARM throttling
 * buckets').
 */
export const ARM_SUBSCRIPTION_LIMITS: ArmThrottlingLimits = {
  reads: { bucket: 250, refillPerSecond: 25 },
  writes: { bucket: 200, refillPerSecond: 10 },
  deletes: { bucket: 200, refillPerSecond: 10 },
};

export const requestKind = (method: string): ArmRequestKind =>
  method === 'GET' ? 'reads' : method === 'DELETE' ? 'deletes' : 'writes';

interface Bucket {
  tokens: number;
  at: number;
}

/**
 * ARM subscription throttling on the clock: each request takes a token of its kind; an empty bucket answers
 * 429 SubscriptionRequestsThrottled with the seconds until a token is back in Retry-After.
 */
export class ArmThrottle {
  private readonly buckets = new Map<string, Bucket>();

  constructor(private readonly limits: ArmThrottlingLimits) {}

  /** Takes a token or throws the 429; returns the tokens left (for `x-ms-ratelimit-remaining-*`). */
  take(subscription: string, kind: ArmRequestKind, now: number): number {
    const spec = this.limits[kind];
    const key = `${subscription.toLowerCase()}/${kind}`;
    const bucket = this.buckets.get(key) ?? { tokens: spec.bucket, at: now };
    bucket.tokens = Math.min(spec.bucket, bucket.tokens + ((now - bucket.at) / 1000) * spec.refillPerSecond);
    bucket.at = now;
    this.buckets.set(key, bucket);
    if (bucket.tokens < 1) {
      const seconds = Math.max(1, Math.ceil((1 - bucket.tokens) / spec.refillPerSecond));
      const noun = kind.slice(0, -1);
      throw new ArmError(
        429,
        'SubscriptionRequestsThrottled',
        `Number of '${noun}' requests for subscription '${subscription}' actor 'flotilla' on scope 'subscription' exceeded. Please try again after '${seconds}' seconds after additional tokens are available. Refer to https://aka.ms/arm-throttling`,
        undefined,
        { 'retry-after': String(seconds) },
      );
    }
    bucket.tokens -= 1;
    return Math.floor(bucket.tokens);
  }

  reset(): void {
    this.buckets.clear();
  }
}
