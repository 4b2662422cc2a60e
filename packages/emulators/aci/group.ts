import type { StepRun } from '../common/executor';

/** One container (or init container) of a group, as the emulator tracks it. Kept small: 10,000 groups fit. */
export interface ContainerState {
  readonly name: string;
  readonly image: string;
  readonly init: boolean;
  readonly command?: readonly string[];
  readonly cpu: number;
  readonly memoryInGB: number;
  run?: StepRun;
  startedAt?: number;
  finishedAt?: number;
  exitCode?: number;
  /** 'Completed', 'Error', 'Killed', 'OOMKilled'. */
  detail?: string;
  /** Logs kept after the container stopped (last 16 KB / 1,000 lines). */
  logs?: string;
  restartCount: number;
  previousState?: TerminatedState;
}

export interface TerminatedState {
  readonly state: 'Terminated';
  readonly startTime: string;
  readonly finishTime: string;
  readonly exitCode: number;
  readonly detailStatus: string;
}

export interface GroupState {
  /** Lower-case `sub/rg/name`: ARM names are case-insensitive. */
  readonly key: string;
  readonly subscription: string;
  readonly resourceGroup: string;
  readonly name: string;
  location: string;
  /** `regionKey(subscription, location)`: what regional quotas count by. */
  region: string;
  /** The PUT body as sent, secrets included (needed to run); rendered only through `render.ts`. */
  body: Record<string, unknown>;
  tags: Record<string, string>;
  restartPolicy: string;
  cores: number;
  readonly createdAt: number;
  /** Bumped by redeploy, start, restart and delete, so callbacks of older runs are ignored. */
  generation: number;
  provisionStart: number;
  pendingUntil: number;
  provisionedAt: number;
  provisionError?: { readonly code: string; readonly message: string };
  stoppedAt?: number;
  containers: ContainerState[];
  /** Host folder of this group (process mode). */
  folder?: string;
  operationId: string;
  /** Fault that shaped this group (slow provisioning), for admin views. */
  fault?: string;
}

export type ProvisioningState = 'Pending' | 'Creating' | 'Succeeded' | 'Failed';

export function provisioningState(g: GroupState, now: number): ProvisioningState {
  if (g.provisionError && now >= g.provisionedAt) return 'Failed';
  if (now < g.pendingUntil) return 'Pending';
  if (now < g.provisionedAt) return 'Creating';
  return g.provisionError ? 'Failed' : 'Succeeded';
}

/** Pending or Creating: PUT, DELETE, start, stop, restart and logs answer 409 ContainerGroupTransitioning. */
export function isTransitioning(g: GroupState, now: number): boolean {
  const s = provisioningState(g, now);
  return s === 'Pending' || s === 'Creating';
}

export type GroupRunState = 'Pending' | 'Running' | 'Succeeded' | 'Failed' | 'Stopped';

export function groupState(g: GroupState, now: number): GroupRunState {
  const prov = provisioningState(g, now);
  if (prov === 'Failed') return 'Failed';
  if (prov !== 'Succeeded') return 'Pending';
  if (g.stoppedAt !== undefined) return 'Stopped';
  const inits = g.containers.filter((c) => c.init);
  if (inits.some((c) => c.exitCode !== undefined && c.exitCode !== 0)) return 'Failed';
  const mains = g.containers.filter((c) => !c.init);
  if (g.restartPolicy === 'Always' || !mains.every((c) => c.exitCode !== undefined)) return 'Running';
  if (mains.every((c) => c.exitCode === 0)) return 'Succeeded';
  return g.restartPolicy === 'Never' ? 'Failed' : 'Running';
}

export const iso = (ms: number): string => new Date(ms).toISOString();
