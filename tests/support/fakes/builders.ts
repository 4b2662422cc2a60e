/** Builders for the fast tier: pipelines as the API takes them inline, and step scripts for FakeCompute. */
import type { StepLaunch } from '../../../src/compute/port';
import type { Script, StepScript } from './fake-compute';

type Json = Record<string, unknown>;

/** One step (process-agnostic: FakeCompute never runs the command). */
export function aStep(id: string, overrides: Json = {}): Json {
  return { id, image: 'busybox:1.36', command: id, timeout: '30m', retries: 0, ...overrides };
}

/** A pipeline of the given steps (default: one step `work`), chained in order unless they say otherwise. */
export function aPipeline(overrides: Json = {}): Json {
  return {
    name: 'fast',
    inputs: { container: 'images', prefix: 'scenes/' },
    outputs: { container: 'outputs' },
    concurrency: 1,
    steps: [aStep('work')],
    ...overrides,
  };
}

/** A run request body over `count` images under `scenes/`. */
export function aRunRequest(pipeline: Json = aPipeline(), count = 1): Json {
  return { pipeline, images: Array.from({ length: count }, (_, n) => `scenes/scene-${n + 1}.tif`) };
}

/** Exits with `exitCode` after running `runMs` (virtual) milliseconds. */
export function exits(exitCode: number, runMs = 3_000): StepScript {
  return { runMs, exitCode };
}

/** Never finishes (a hung container). */
export function hangs(): StepScript {
  return { runMs: 'forever', exitCode: 0 };
}

/**
 * A script by step id: one StepScript for every attempt, or a list (attempt n takes entry n, the last
 * repeats). Steps not named take `otherwise`.
 */
export function scriptByStep(
  byStep: Readonly<Record<string, StepScript | readonly StepScript[]>>,
  otherwise: StepScript = exits(0),
): Script {
  return (launch: StepLaunch) => {
    const entry = byStep[launch.step];
    if (entry === undefined) return otherwise;
    if (!Array.isArray(entry)) return entry as StepScript;
    const list = entry as readonly StepScript[];
    return list[Math.min(launch.attempt, list.length) - 1] ?? otherwise;
  };
}
