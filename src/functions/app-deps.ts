/**
 * What the triggers and activities of this app use, built once and lazily by the composition root. Tests
 * and the embedded stack may install their own with `setAppDeps` before the first invocation.
 */
import type { ActivityDeps } from '../activities/deps';
import type { BackendKind } from '../compute/port';
import type { Config } from '../config';
import type { BlobStore } from '../storage/blob-store';

export interface AppDeps {
  readonly config: Pick<Config, 'FLOTILLA_CALLBACK_SECRET' | 'FLOTILLA_IMAGES_CONTAINER'>;
  readonly store: BlobStore;
  readonly activities: ActivityDeps;
  /** Backends configured in this app (Batch only when FLOTILLA_BATCH_URL is set). */
  readonly backends: readonly BackendKind[];
  readonly now: () => number;
}

let provider: (() => AppDeps) | undefined;
let built: AppDeps | undefined;

export function setAppDeps(next: (() => AppDeps) | undefined): void {
  provider = next;
  built = undefined;
}

export function appDeps(): AppDeps {
  if (built) return built;
  if (!provider) {
    throw new Error(
      'flotilla: the app dependencies are not composed (setAppDeps was not called and no composition is wired)',
    );
  }
  built = provider();
  return built;
}
