import { ArmError, quotaReached } from './errors';
import type { GroupState } from './group';
import type { AciQuotas } from './options';

type RateKind = 'create' | 'delete';
const FIVE_MIN = 5 * 60_000;
const HOUR = 60 * 60_000;

/** The lower-case `subscription/location` key that regional quotas count by. */
export const regionKey = (subscription: string, location: string): string =>
  `${subscription}/${location}`.toLowerCase();

/** Container groups and Standard cores in use in a region (stopped groups hold no cores). */
export function regionUsage(groups: Iterable<GroupState>, region: string): { groups: number; cores: number } {
  let count = 0;
  let cores = 0;
  for (const g of groups) {
    if (g.region !== region) continue;
    count += 1;
    if (g.stoppedAt === undefined) cores += g.cores;
  }
  return { groups: count, cores };
}

/** Regional quotas (groups, cores) and the create-rate limits (per 5 minutes and per hour), on the clock. */
export class QuotaTracker {
  /** Create (or delete) times per subscription, oldest first (the clock never goes back). */
  private events = new Map<string, number[]>();

  constructor(private readonly quotas: AciQuotas) {}

  /** Throws the ARM error for a create that would exceed a quota or a rate limit. */
  checkCreate(
    subscription: string,
    location: string,
    cores: number,
    groups: Iterable<GroupState>,
    now: number,
  ): void {
    const { pt5m, pt1h } = this.used('create', subscription, now);
    if (pt5m >= this.quotas.createsPer5Min || pt1h >= this.quotas.createsPerHour) {
      const fiveMinutes = pt5m >= this.quotas.createsPer5Min;
      const limit = fiveMinutes ? this.quotas.createsPer5Min : this.quotas.createsPerHour;
      throw new ArmError(
        429,
        'TooManyRequests',
        `Resource type 'Microsoft.ContainerInstance/containerGroups' has exceeded the limit of ${limit} container group creates per subscription in window '${fiveMinutes ? 'PT5M' : 'PT1H'}' in region '${location}'. Please retry later.`,
      );
    }
    const usage = regionUsage(groups, regionKey(subscription, location));
    if (usage.groups + 1 > this.quotas.groupsPerRegion)
      throw quotaReached('ContainerGroups', location, this.quotas.groupsPerRegion, usage.groups, 1);
    if (usage.cores + cores > this.quotas.coresPerRegion)
      throw quotaReached('StandardCores', location, this.quotas.coresPerRegion, usage.cores, cores);
  }

  recordCreate(subscription: string, now: number): void {
    this.times('create', subscription, now).push(now);
  }

  /** Throws 429 TooManyRequests past the delete-rate limits, else counts the delete. */
  checkAndRecordDelete(subscription: string, location: string, now: number): void {
    const { pt5m, pt1h } = this.used('delete', subscription, now);
    if (pt5m >= this.quotas.deletesPer5Min || pt1h >= this.quotas.deletesPerHour) {
      const fiveMinutes = pt5m >= this.quotas.deletesPer5Min;
      throw new ArmError(
        429,
        'TooManyRequests',
        `Resource type 'Microsoft.ContainerInstance/containerGroups' has exceeded the limit of ${fiveMinutes ? this.quotas.deletesPer5Min : this.quotas.deletesPerHour} container group deletes per subscription in window '${fiveMinutes ? 'PT5M' : 'PT1H'}' in region '${location}'. Please retry later.`,
      );
    }
    this.times('delete', subscription, now).push(now);
  }

  /** Values for the `x-ms-ratelimit-remaining-subscription-resource-requests-pt5m/pt1h` headers. */
  remaining(subscription: string, now: number): { pt5m: number; pt1h: number } {
    const used = this.used('create', subscription, now);
    return {
      pt5m: Math.max(0, this.quotas.createsPer5Min - used.pt5m),
      pt1h: Math.max(0, this.quotas.createsPerHour - used.pt1h),
    };
  }

  reset(): void {
    this.events.clear();
  }

  private used(kind: RateKind, subscription: string, now: number): { pt5m: number; pt1h: number } {
    const times = this.times(kind, subscription, now);
    return { pt5m: times.length - firstAfter(times, now - FIVE_MIN), pt1h: times.length };
  }

  /** The creates (deletes) of the last hour (older ones are dropped). */
  private times(kind: RateKind, subscription: string, now: number): number[] {
    const key = `${kind}/${subscription.toLowerCase()}`;
    let times = this.events.get(key);
    if (!times) this.events.set(key, (times = []));
    const stale = firstAfter(times, now - HOUR);
    if (stale > 0) times.splice(0, stale);
    return times;
  }
}

/** Index of the first time > `t` in an ascending list. */
function firstAfter(times: readonly number[], t: number): number {
  let lo = 0;
  let hi = times.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((times[mid] ?? 0) <= t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
