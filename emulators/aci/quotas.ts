import { ArmError, quotaReached } from './errors';
import type { GroupState } from './group';
import type { AciQuotas } from './options';

const FIVE_MIN = 5 * 60_000;
const HOUR = 60 * 60_000;

/** Regional quotas (groups, cores) and the create-rate limits (per 5 minutes and per hour), on the clock. */
export class QuotaTracker {
  private creates = new Map<string, number[]>();

  constructor(private readonly quotas: AciQuotas) {}

  /** Throws the ARM error for a create that would exceed a quota or a rate limit. */
  checkCreate(
    subscription: string,
    location: string,
    cores: number,
    groups: Iterable<GroupState>,
    now: number,
  ): void {
    const recent = this.recent(subscription, now);
    const in5 = recent.filter((t) => t > now - FIVE_MIN).length;
    if (in5 >= this.quotas.createsPer5Min || recent.length >= this.quotas.createsPerHour) {
      const window = in5 >= this.quotas.createsPer5Min ? "'PT5M'" : "'PT1H'";
      const limit =
        in5 >= this.quotas.createsPer5Min ? this.quotas.createsPer5Min : this.quotas.createsPerHour;
      throw new ArmError(
        429,
        'TooManyRequests',
        `Resource type 'Microsoft.ContainerInstance/containerGroups' has exceeded the limit of ${limit} container group creates per subscription in window ${window} in region '${location}'. Please retry later.`,
      );
    }
    let groupCount = 0;
    let coreUsage = 0;
    for (const g of groups) {
      if (g.subscription.toLowerCase() !== subscription.toLowerCase()) continue;
      if (g.location.toLowerCase() !== location.toLowerCase()) continue;
      groupCount += 1;
      if (g.stoppedAt === undefined) coreUsage += g.cores;
    }
    if (groupCount + 1 > this.quotas.groupsPerRegion)
      throw quotaReached('ContainerGroups', location, this.quotas.groupsPerRegion, groupCount, 1);
    if (coreUsage + cores > this.quotas.coresPerRegion)
      throw quotaReached('StandardCores', location, this.quotas.coresPerRegion, coreUsage, cores);
  }

  recordCreate(subscription: string, now: number): void {
    this.recent(subscription, now).push(now);
  }

  /** Values for the `x-ms-ratelimit-remaining-subscription-resource-requests-pt5m/pt1h` headers. */
  remaining(subscription: string, now: number): { pt5m: number; pt1h: number } {
    const recent = this.recent(subscription, now);
    return {
      pt5m: Math.max(0, this.quotas.createsPer5Min - recent.filter((t) => t > now - FIVE_MIN).length),
      pt1h: Math.max(0, this.quotas.createsPerHour - recent.length),
    };
  }

  reset(): void {
    this.creates.clear();
  }

  private recent(subscription: string, now: number): number[] {
    const key = subscription.toLowerCase();
    const list = (this.creates.get(key) ?? []).filter((t) => t > now - HOUR);
    this.creates.set(key, list);
    return list;
  }
}
