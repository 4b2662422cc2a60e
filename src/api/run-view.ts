/** GET /api/runs/{id}: counts by state, each image's step states, timings and (when done) the cost estimate. */
import { summarise, type BudgetLedger, type BudgetSummary } from '../admission/budget';
import type { DurableClient, DurableOrchestrationStatus } from 'durable-functions';
import type {
  LaneCustomStatus,
  RunCustomStatus,
  RunInput,
  RunOutput,
  StepCustomStatus,
} from '../orchestrators/contracts';
import { instanceIds } from '../runs/ids';
import { RESULTS_CONTAINER, runPaths } from '../runs/paths';
import type { AttemptSummary, ImageRecord, Manifest } from '../runs/records';
import type { BlobStore } from '../storage/blob-store';
import { ApiError } from './http';

export type ViewStore = Pick<BlobStore, 'list' | 'getText'>;
export type ViewClient = Pick<DurableClient, 'getStatus'>;

/** Detailed image records read per request while a run is in flight. */
export const MAX_IMAGE_DETAILS = 500;

export interface ImageView {
  readonly imageKey: string;
  readonly image?: string;
  readonly status: string;
  readonly steps: readonly {
    step: string;
    status: string;
    attempts?: number;
    /** Each attempt's memory and end (a retry after an out-of-memory kill has more memory). */
    attemptHistory?: readonly AttemptSummary[];
    exitCode?: number;
    startedAt?: string;
    finishedAt?: string;
    error?: unknown;
    /** The step cache: the run whose outputs a `cached` step reused, or why it missed. */
    cache?: { from?: string; miss?: string };
    /** In flight: the step's phase, and while admission waits, what for and since when. */
    phase?: string;
    waitingFor?: string;
    waitingSince?: string;
  }[];
}

export interface RunView {
  readonly runId: string;
  readonly pipeline: string;
  readonly status: string;
  readonly runtimeStatus: string;
  readonly phase?: string;
  /** The run this one reruns (POST /api/runs/{id}/rerun). */
  readonly rerunOf?: string;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly counts: {
    total: number;
    succeeded: number;
    failed: number;
    cancelled: number;
    running: number;
    pending: number;
  };
  readonly images: readonly ImageView[];
  readonly imagesTruncated: boolean;
  readonly cost?: unknown;
  /** The run's budget: cap, currency, spent, reserved by steps in flight, and what it refused. */
  readonly budget?: BudgetSummary;
  readonly manifest?: string;
}

export async function statusOrUndefined(
  client: ViewClient,
  id: string,
): Promise<DurableOrchestrationStatus | undefined> {
  try {
    return await client.getStatus(id);
  } catch {
    return undefined;
  }
}

/** What a running step is doing now (its custom status): phase, and what admission waits for. */
async function stepPhase(client: ViewClient, runId: string, imageKey: string, step: string) {
  const status = await statusOrUndefined(client, instanceIds.step(runId, imageKey, step));
  return phaseOf(status?.customStatus as StepCustomStatus | undefined);
}

function phaseOf(custom: StepCustomStatus | undefined) {
  if (!custom?.phase) return {};
  return {
    phase: custom.phase,
    ...(custom.waitingFor ? { waitingFor: custom.waitingFor } : {}),
    ...(custom.waitingSince ? { waitingSince: custom.waitingSince } : {}),
  };
}

function recordView(r: ImageRecord): ImageView {
  return {
    imageKey: r.imageKey,
    image: r.image,
    status: r.status,
    steps: r.steps.map((s) => ({
      step: s.step,
      status: s.status,
      attempts: s.attempts,
      ...(s.attemptHistory ? { attemptHistory: s.attemptHistory } : {}),
      exitCode: s.exitCode,
      startedAt: s.startedAt,
      finishedAt: s.finishedAt,
      error: s.error,
      ...(s.cache?.from || s.cache?.miss
        ? {
            cache: {
              ...(s.cache.from ? { from: s.cache.from } : {}),
              ...(s.cache.miss ? { miss: s.cache.miss } : {}),
            },
          }
        : {}),
    })),
  };
}

async function finishedImages(
  store: ViewStore,
  runId: string,
): Promise<{ images: ImageView[]; truncated: boolean }> {
  const names = (await store.list(RESULTS_CONTAINER, `${runId}/`))
    .map((b) => b.name)
    .filter((n) => n.endsWith('/result.json'));
  const texts = await Promise.all(
    names.slice(0, MAX_IMAGE_DETAILS).map((n) => store.getText(RESULTS_CONTAINER, n)),
  );
  const images = texts.filter((t): t is string => !!t).map((t) => recordView(JSON.parse(t) as ImageRecord));
  return { images, truncated: names.length > MAX_IMAGE_DETAILS };
}

export async function runView(store: ViewStore, client: ViewClient, runId: string): Promise<RunView> {
  const status = await statusOrUndefined(client, runId);
  if (!status || status.name !== 'runOrchestrator')
    throw new ApiError(404, 'run_not_found', `no run with id ${runId}`, [
      { path: 'id', message: 'no such run' },
    ]);
  const input = status.input as RunInput | undefined;
  const base = {
    runId,
    pipeline: input?.plan.pipeline ?? '',
    runtimeStatus: status.runtimeStatus,
    ...(input?.plan.rerunOf ? { rerunOf: input.plan.rerunOf } : {}),
    createdAt: new Date(status.createdTime).toISOString(),
    updatedAt: new Date(status.lastUpdatedTime).toISOString(),
  };
  const total = input?.imageCount ?? 0;
  const custom = (status.customStatus ?? undefined) as RunCustomStatus | undefined;
  // The outcome is final once the manifest is written (phase `done`), even while the instance still waits
  // for its Batch monitor's last poll: report it then, not up to a poll interval later.
  if (String(status.runtimeStatus) === 'Completed' || custom?.phase === 'done') {
    const text = await store.getText(RESULTS_CONTAINER, runPaths.manifest(runId));
    const manifest = text ? (JSON.parse(text) as Manifest) : undefined;
    const output = status.output as RunOutput | undefined;
    const outcome = output ?? (manifest ? { status: manifest.status, cost: manifest.cost } : undefined);
    if (outcome) {
      const counts = output?.counts ?? {
        succeeded: manifest?.totals.succeeded ?? 0,
        failed: manifest?.totals.failed ?? 0,
        cancelled: manifest?.totals.cancelled ?? 0,
      };
      return {
        ...base,
        status: outcome.status,
        phase: 'done',
        counts: { ...counts, total, running: 0, pending: 0 },
        images: (manifest?.images ?? []).map(recordView),
        imagesTruncated: false,
        cost: outcome.cost,
        ...(manifest?.budget ? { budget: budgetOf(manifest.budget) } : {}),
        manifest: `/api/runs/${runId}/manifest`,
      };
    }
  }
  const done = await finishedImages(store, runId);
  const counts = { total, succeeded: 0, failed: 0, cancelled: 0, running: 0, pending: 0 };
  for (const image of done.images) {
    if (image.status === 'succeeded' || image.status === 'failed' || image.status === 'cancelled')
      counts[image.status] += 1;
  }
  const finished = new Set(done.images.map((i) => i.imageKey));
  const inFlight: ImageView[] = [];
  const lanes = await Promise.all(
    Array.from({ length: custom?.lanes ?? 0 }, (_, n) =>
      statusOrUndefined(client, instanceIds.lane(runId, n)),
    ),
  );
  for (const lane of lanes) {
    const current = (lane?.customStatus as LaneCustomStatus | undefined)?.current;
    if (!current || finished.has(current.imageKey) || String(lane?.runtimeStatus) !== 'Running') continue;
    const steps = current.steps ?? {};
    const inline = current.step;
    inFlight.push({
      imageKey: current.imageKey,
      ...(current.image ? { image: current.image } : {}),
      status: 'running',
      steps: await Promise.all(
        Object.entries(steps).map(async ([step, s]) =>
          s !== 'running'
            ? { step, status: s }
            : inline?.id === step
              ? { step, status: s, ...phaseOf(inline) }
              : { step, status: s, ...(await stepPhase(client, runId, current.imageKey, step)) },
        ),
      ),
    });
  }
  counts.running = inFlight.length;
  counts.pending = Math.max(0, total - counts.succeeded - counts.failed - counts.cancelled - counts.running);
  const runtime = String(status.runtimeStatus);
  return {
    ...base,
    status:
      runtime === 'Terminated'
        ? 'terminated'
        : runtime === 'Failed'
          ? 'failed'
          : runtime === 'Pending'
            ? 'pending'
            : 'running',
    ...(custom?.phase ? { phase: custom.phase } : {}),
    counts,
    images: [...done.images, ...inFlight],
    imagesTruncated: done.truncated,
    ...(await liveBudget(store, runId, input?.plan.budget !== undefined)),
  };
}

const budgetOf = (b: BudgetSummary): BudgetSummary => ({
  maxCost: b.maxCost,
  currency: b.currency,
  spent: b.spent,
  reserved: b.reserved,
  exceeded: b.exceeded,
  refused: b.refused,
});

/** While the run is in flight: its budget ledger as it stands (none when the run has no budget). */
async function liveBudget(
  store: ViewStore,
  runId: string,
  has: boolean,
): Promise<{ budget?: BudgetSummary }> {
  if (!has) return {};
  const text = await store.getText(RESULTS_CONTAINER, runPaths.budget(runId));
  return text ? { budget: summarise(JSON.parse(text) as BudgetLedger) } : {};
}
