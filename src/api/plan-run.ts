/**
 * POST /api/plans: the quote of a run before anything runs (docs/http-api.md, "Plans"): the pipeline (by name
 * or inline), how many images (a count, a list, or a prefix to list), step durations to assume. Pure apart
 * from resolving the pipeline and listing a prefix; src/admission/quote.ts computes.
 */
import type { AdmissionLimits } from '../admission/policy';
import { quoteRun, type Quote } from '../admission/quote';
import { parseDuration, type PipelineSpec } from '../pipeline';
import type { DeploymentPolicy } from '../pipeline/deployment-policy';
import type { Prices } from '../runs/cost';
import { planFromSpec } from '../runs/from-spec';
import type { StepPlan } from '../runs/plan';
import { ApiError } from './http';
import { runBudget } from './run-budget';
import type { PlanBody } from './schemas';
import { listImages, resolvePipeline, type StartStore } from './start-run';

export interface PlanDeps {
  readonly store: StartStore;
  readonly policy: DeploymentPolicy;
  readonly limits: AdmissionLimits;
  readonly prices: Prices;
  readonly aciGroupCores: (step: StepPlan) => number;
}

export interface PlanAnswer extends Quote {
  readonly pipeline: string;
  /** The budget (the request's, else the spec's) against the cost range. */
  readonly budget?: {
    readonly maxCost: number;
    readonly currency: string;
    readonly coversMin: boolean;
    readonly coversMax: boolean;
  };
}

function durations(spec: PipelineSpec, given: PlanBody['stepDurations']): Record<string, number> {
  const ids = [...spec.steps.map((s) => s.id), ...(spec.finalize ? [spec.finalize.id] : [])];
  const out: Record<string, number> = {};
  for (const [id, text] of Object.entries(given ?? {})) {
    const path = `stepDurations.${id}`;
    if (!ids.includes(id))
      throw new ApiError(400, 'invalid_plan', `${path}: no step "${id}" in the pipeline`, [
        { path, message: `no step "${id}"; the steps are ${ids.join(', ')}` },
      ]);
    const parsed = parseDuration(text);
    if (!parsed.ok || parsed.ms <= 0)
      throw new ApiError(400, 'invalid_plan', `${path}: not a duration`, [
        { path, message: parsed.ok ? 'a step duration must be more than 0s' : parsed.message },
      ]);
    out[id] = parsed.ms;
  }
  return out;
}

export async function planRun(deps: PlanDeps, body: PlanBody): Promise<PlanAnswer> {
  const spec = await resolvePipeline(deps.store, body.pipeline, deps.policy);
  const given = durations(spec, body.stepDurations);
  const images =
    typeof body.images === 'number'
      ? body.images
      : (
          await listImages(deps.store, spec, {
            ...(body.images ? { images: body.images } : {}),
            ...(body.prefix !== undefined ? { prefix: body.prefix } : {}),
          })
        ).length;
  const plan = planFromSpec(spec, 'r-plan', new Date(0).toISOString());
  const quote = quoteRun({
    steps: plan.steps,
    ...(plan.finalize ? { finalize: plan.finalize } : {}),
    concurrency: plan.concurrency,
    images,
    durations: given,
    limits: deps.limits,
    prices: deps.prices,
    aciGroupCores: deps.aciGroupCores,
  });
  const budget = runBudget(spec, body.budget, deps.prices);
  return {
    pipeline: spec.name,
    ...quote,
    ...(budget
      ? {
          budget: {
            ...budget,
            coversMin: quote.cost.min <= budget.maxCost,
            coversMax: quote.cost.max <= budget.maxCost,
          },
        }
      : {}),
  };
}
