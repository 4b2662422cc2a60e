/**
 * The step contract, as data the stagers and adapters share: where a step finds its inputs and
 * writes its outputs inside the container. One source goes straight into /flotilla/in; several
 * sources get a folder each, named after the step they come from.
 */
import { leafSteps } from './graph';
import type { PipelineSpec } from './types';

export const CONTAINER_PATHS = {
  root: '/flotilla',
  in: '/flotilla/in',
  out: '/flotilla/out',
} as const;

export type StepInput =
  /** The source image blob, as /flotilla/in/<file name of the blob>. */
  | { readonly kind: 'source'; readonly mountPath: string }
  /** Outputs of step `step` for the same image. */
  | { readonly kind: 'step'; readonly step: string; readonly mountPath: string }
  /** Finalize: outputs of leaf step `step` for every successful image; `{image}` in mountPath is the image key. */
  | { readonly kind: 'all-images'; readonly step: string; readonly mountPath: string };

export const IMAGE_PLACEHOLDER = '{image}';

export function stepInputs(spec: PipelineSpec, stepId: string): StepInput[] {
  if (spec.finalize?.id === stepId) {
    const leaves = leafSteps(spec.steps);
    const perImage = `${CONTAINER_PATHS.in}/${IMAGE_PLACEHOLDER}`;
    return leaves.map((step) => ({
      kind: 'all-images',
      step,
      mountPath: leaves.length === 1 ? perImage : `${perImage}/${step}`,
    }));
  }
  const step = spec.steps.find((s) => s.id === stepId);
  if (!step) throw new Error(`stepInputs: no step "${stepId}" in pipeline ${spec.name}`);
  if (step.dependsOn.length === 0) return [{ kind: 'source', mountPath: CONTAINER_PATHS.in }];
  const single = step.dependsOn.length === 1;
  return step.dependsOn.map((dep) => ({
    kind: 'step',
    step: dep,
    mountPath: single ? CONTAINER_PATHS.in : `${CONTAINER_PATHS.in}/${dep}`,
  }));
}
