/** The `retry:` field of a step or of defaults: retry classes on top of `retries` (docs/pipeline-spec.md). */
import { BATCH_LIMITS } from './limits';
import { arr, num, obj, optional } from './shape';

const exitCode = num({
  integer: true,
  min: 1,
  max: 255,
  expected: 'an exit code (1..255)',
  description: 'A non-zero process exit code.',
});

export const RETRY_LIMITS = {
  memoryFactor: { above: 1, max: 8 },
  exitCodesMaxItems: 64,
} as const;

export const retry = obj(
  {
    onOutOfMemory: optional(
      obj(
        {
          memoryFactor: optional(
            num({
              above: RETRY_LIMITS.memoryFactor.above,
              max: RETRY_LIMITS.memoryFactor.max,
              description: 'The next attempt gets this many times the memory of the one killed. Default 2.',
            }),
          ),
          maxMemoryGB: optional(
            num({
              unit: 'GB',
              above: 0,
              max: BATCH_LIMITS.maxMemoryGB,
              description:
                'The most memory a retry may get; ACI steps are also capped at the ACI limit per container group. Default: that limit.',
            }),
          ),
        },
        {
          description:
            'An attempt killed for running out of memory (ACI OOMKilled, exit 137) is retried with more memory.',
        },
      ),
    ),
    onExitCodes: optional(
      arr(exitCode, {
        unique: true,
        minItems: 1,
        maxItems: RETRY_LIMITS.exitCodesMaxItems,
        description: 'Only these exit codes are retried (default: every non-zero exit).',
      }),
    ),
    never: optional(
      arr(exitCode, {
        unique: true,
        minItems: 1,
        maxItems: RETRY_LIMITS.exitCodesMaxItems,
        description: 'Exit codes that are never retried (they win over onExitCodes and onOutOfMemory).',
      }),
    ),
  },
  {
    description:
      'Which failed attempts are retried and how; `retries` still bounds the number of attempts (docs/pipeline-spec.md, "Retry classes").',
  },
);
