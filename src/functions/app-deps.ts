/**
 * What the triggers and activities of this app use, built once and lazily by the composition root. Tests
 * and the embedded stack may install their own with `setAppDeps` before the first invocation.
 */
import type { ActivityDeps } from '../activities/deps';
import type { BackendKind } from '../compute/port';
import type { Config } from '../config';
import { composition } from '../composition';
import type { BlobStore } from '../storage/blob-store';

export interface AppDeps {
  readonly config: Pick<Config, 'FLOTILLA_CALLBACK_SECRET' | 'FLOTILLA_IMAGES_CONTAINER'>;
  readonly store: BlobStore;
  readonly activities: ActivityDeps;
  /** Backends configured in this app (Batch only when FLOTILLA_BATCH_URL is set). */
  readonly backends: readonly BackendKind[];
  readonly now: () => number;
}

/** The production wiring: everything from the composition root (src/composition.ts). */
export function appDepsFromComposition(): AppDeps {
  const root = composition();
  const config = root.config;
  const now = () => Date.now();
  return {
    config,
    store: root.blob,
    activities: {
      store: root.blob,
      compute: (kind) => root.backend(kind),
      limits: {
        aciCreatesPer5Min: config.FLOTILLA_ACI_CREATES_PER_5_MIN,
        aciCreatesPerHour: config.FLOTILLA_ACI_CREATES_PER_HOUR,
        aciCoreQuota: config.FLOTILLA_ACI_CORE_QUOTA,
        aciGroupQuota: config.FLOTILLA_ACI_GROUP_QUOTA,
        batchActiveJobQuota: config.FLOTILLA_BATCH_ACTIVE_JOB_QUOTA,
      },
      prices: {
        aciVcpuSecond: config.FLOTILLA_PRICE_ACI_VCPU_SECOND,
        aciGbSecond: config.FLOTILLA_PRICE_ACI_GB_SECOND,
        batchNodeHour: config.FLOTILLA_PRICE_BATCH_NODE_HOUR,
      },
      now,
      log: (line) => console.log(line),
      notifyStep: async (ref, exitCode) => {
        const response = await fetch(root.callbackUrl(ref, 60 * 60_000), {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(exitCode === undefined ? {} : { exitCode }),
          signal: AbortSignal.timeout(config.FLOTILLA_SDK_TIMEOUT_MS),
        });
        await response.body?.cancel();
        if (response.status !== 202)
          throw new Error(`the step did not accept the notice (HTTP ${response.status})`);
      },
    },
    backends: config.FLOTILLA_BATCH_URL ? ['aci', 'batch'] : ['aci'],
    now,
  };
}

let provider: (() => AppDeps) | undefined = appDepsFromComposition;
let built: AppDeps | undefined;

/** Tests: install other dependencies (undefined restores the composition root). */
export function setAppDeps(next: (() => AppDeps) | undefined): void {
  provider = next;
  built = undefined;
}

export function appDeps(): AppDeps {
  if (built) return built;
  built = (provider ?? appDepsFromComposition)();
  return built;
}
