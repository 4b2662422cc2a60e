/**
 * writeManifest: assemble `results/<runId>/manifest.json` from the image records (the spec, per image and
 * step the status, exit code, attempts, times, outputs, logs and error; cost estimate; totals) and write it
 * in one Put Blob (readers see a whole manifest or none).
 */
import { batchIdleNodeSeconds } from '../runs/batch-idle';
import { estimateCost, slotShare, type Prices } from '../runs/cost';
import type { RunPlan } from '../runs/plan';
import { budgetSummary } from './budget-ledger';
import { type ImageList, RESULTS_CONTAINER, runPaths } from '../runs/paths';
import {
  type ImageRecord,
  type Manifest,
  type ManifestBudget,
  type StepResult,
  totalsOf,
} from '../runs/records';
import type { WriteManifestInput } from './contracts';
import type { ActivityFactory, RunStore } from './deps';

const PARALLEL_READS = 16;

/** Batch tasks pay their slot share of the node; the idle pool time they caused is reported apart. */
function costOf(plan: RunPlan, steps: readonly StepResult[], prices: Prices) {
  const pools = new Map(
    [...plan.steps, ...(plan.finalize ? [plan.finalize] : [])].map((s) => [s.id, s.pool]),
  );
  const batch = steps.filter((s) => s.backend === 'batch' && s.runMs > 0 && s.finishedAt);
  const spans = batch.map((s) => {
    const endMs = Date.parse(s.finishedAt ?? '');
    return { pool: pools.get(s.step), startMs: endMs - s.runMs, endMs };
  });
  const shared = steps.map((s) =>
    s.backend === 'batch' ? { ...s, share: slotShare(pools.get(s.step)) } : s,
  );
  return estimateCost(shared, prices, batchIdleNodeSeconds(spans.filter((s) => Number.isFinite(s.endMs))));
}

/**
 * The manifest accounts for every image of the run: an image without a record (its write failed) is listed
 * as failed with the reason its image orchestration reported, or a plain one when none reached the run.
 */
async function missingImages(
  store: RunStore,
  input: WriteManifestInput,
  recorded: readonly ImageRecord[],
  problems: string[],
  notStarted: { imageKey: string; image: string }[],
): Promise<ImageRecord[]> {
  const { plan } = input;
  const have = new Set(recorded.map((r) => r.imageKey));
  const reasons = new Map((input.unrecorded ?? []).map((u) => [u.imageKey, u.message]));
  const text = await store.getText(RESULTS_CONTAINER, runPaths.images(plan.runId));
  // The list went with its container (deleted during the run): the manifest still gets written, with the
  // images it can name (records, and the ones their orchestrations reported unrecorded) and says so.
  const list: ImageList['images'] = text
    ? (JSON.parse(text) as ImageList).images
    : [...reasons.keys()].map((imageKey) => ({ imageKey, image: imageKey }));
  if (!text)
    problems.push(
      `the run's image list ${RESULTS_CONTAINER}/${runPaths.images(plan.runId)} was missing when the manifest was written (deleted during the run?): images without a record may be missing here`,
    );
  const missing = list.filter((i) => !have.has(i.imageKey));
  // Images that never started because the run was cancelled or its budget refused: listed as not started.
  if (input.status === 'budget_exceeded') notStarted.push(...missing.filter((i) => !reasons.has(i.imageKey)));
  if ((input.status === 'cancelled' || input.status === 'budget_exceeded') && reasons.size === 0) return [];
  return missing
    .filter((i) => !(input.status === 'budget_exceeded' && !reasons.has(i.imageKey)))
    .map((i) => ({
      runId: plan.runId,
      imageKey: i.imageKey,
      image: i.image,
      status: input.status === 'cancelled' && !reasons.has(i.imageKey) ? 'cancelled' : 'failed',
      error: {
        code: 'record-unwritten',
        message: reasons.get(i.imageKey) ?? 'no record of this image was written',
      },
      steps: [],
      startedAt: plan.createdAt,
      finishedAt: input.finishedAt,
    }));
}

export const writeManifest: ActivityFactory<'writeManifest'> = (deps) => async (input) => {
  const { plan } = input;
  const names = (await deps.store.list(RESULTS_CONTAINER, `${plan.runId}/`))
    .map((b) => b.name)
    .filter((name) => name.endsWith('/result.json'));
  const images: ImageRecord[] = [];
  for (let i = 0; i < names.length; i += PARALLEL_READS) {
    const texts = await Promise.all(
      names.slice(i, i + PARALLEL_READS).map((n) => deps.store.getText(RESULTS_CONTAINER, n)),
    );
    for (const text of texts) if (text) images.push(JSON.parse(text) as ImageRecord);
  }
  const problems: string[] = [];
  const notStarted: { imageKey: string; image: string }[] = [];
  images.push(...(await missingImages(deps.store, input, images, problems, notStarted)));
  images.sort((a, b) => a.imageKey.localeCompare(b.imageKey));
  const steps = [...images.flatMap((i) => i.steps), ...(input.finalize ? [input.finalize] : [])];
  const cost = costOf(plan, steps, deps.prices);
  const summary = await budgetSummary(deps.store, plan.runId);
  const budget: ManifestBudget | undefined = summary && {
    ...summary,
    notStarted: [
      ...images.filter(
        (i) =>
          i.steps.length > 0 && i.steps.every((s) => s.attempts === 0 && s.error?.code === 'budget-exceeded'),
      ),
      ...notStarted,
    ].map((i) => ({ imageKey: i.imageKey, image: i.image })),
  };
  const totals = totalsOf(images, input.finalize);
  const manifest: Manifest = {
    runId: plan.runId,
    pipeline: plan.pipeline,
    status: input.status,
    spec: plan,
    ...(plan.rerunOf ? { rerunOf: plan.rerunOf } : {}),
    createdAt: plan.createdAt,
    finishedAt: input.finishedAt,
    images,
    ...(input.finalize ? { finalize: input.finalize } : {}),
    cost,
    totals,
    ...(problems.length ? { problems } : {}),
    ...(budget ? { budget } : {}),
  };
  const blob = runPaths.manifest(plan.runId);
  const text = JSON.stringify(manifest, null, 2);
  await deps.store.putText(RESULTS_CONTAINER, blob, text, 'application/json');
  return { manifest: `${RESULTS_CONTAINER}/${blob}`, totals, cost, ...(summary ? { budget: summary } : {}) };
};
