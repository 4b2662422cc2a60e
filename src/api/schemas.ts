/** Request and response schemas of the HTTP API (zod); the OpenAPI document describes the same shapes. */
import { z } from 'zod';
import { RUN_ID_PATTERN } from '../runs/ids';

export const PIPELINE_NAME = /^[a-z]([a-z0-9-]*[a-z0-9])?$/;
export const MAX_IMAGES = 100_000;

export const pipelineName = z
  .string({ error: 'expected a pipeline name' })
  .max(40, { error: 'a pipeline name has at most 40 characters' })
  .regex(PIPELINE_NAME, {
    error: 'a pipeline name has lowercase letters, digits and hyphens, starting with a letter',
  });

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

const blobName = z
  .string({ error: 'expected a blob name' })
  .min(1, { error: 'a blob name cannot be empty' })
  .max(1024, { error: 'a blob name has at most 1024 characters' })
  .refine((s) => !s.startsWith('/') && !s.includes('\\'), {
    error: 'a blob name must not start with "/" or contain "\\"',
  })
  .refine((s) => !CONTROL.test(s), {
    // Named as JSON, so the control character shows as an escape (\u0000, \n) rather than acting on a terminal.
    error: (issue) =>
      `the blob name ${JSON.stringify(issue.input)} must not contain control characters (NUL, newline, ...)`,
  });

/** A run's cost cap (docs/http-api.md): `{ maxCost, currency }`, currency ISO 4217 (default USD). */
export const budgetBody = z
  .object(
    {
      maxCost: z
        .number({ error: 'expected a number: the most the run may cost' })
        .positive({ error: 'maxCost must be more than 0' })
        .refine(Number.isFinite, { error: 'maxCost must be a finite number' }),
      currency: z
        .string({ error: 'expected an ISO 4217 currency code' })
        .regex(/^[A-Z]{3}$/, { error: 'a currency is an ISO 4217 code: three upper-case letters, e.g. USD' })
        .default('USD'),
    },
    { error: 'expected an object { maxCost, currency }' },
  )
  .strict();

export const startRunBody = z
  .object(
    {
      pipeline: z.union([pipelineName, z.record(z.string(), z.unknown())], {
        error: 'expected a pipeline name (string) or an inline pipeline spec (object)',
      }),
      images: z
        .array(blobName, { error: 'expected a list of blob names' })
        .min(1, { error: 'give at least one image' })
        .max(MAX_IMAGES, { error: `at most ${MAX_IMAGES} images per run` })
        .refine((list) => new Set(list).size === list.length, { error: 'the image list has duplicates' })
        .optional(),
      prefix: z
        .string({ error: 'expected a blob name prefix' })
        .max(1024, { error: 'a prefix has at most 1024 characters' })
        .refine((s) => !s.startsWith('/'), { error: 'a prefix must not start with "/"' })
        .refine((s) => !CONTROL.test(s), {
          error: 'a prefix must not contain control characters (NUL, newline, ...)',
        })
        .optional(),
      /** Overrides the spec's top-level `cache` for this run (a step's own `cache` still wins). */
      cache: z
        .boolean({ error: 'expected true or false (turns the step cache on or off for this run)' })
        .optional(),
      budget: budgetBody.optional(),
    },
    { error: 'expected a JSON object' },
  )
  .strict()
  .refine((body) => !(body.images && body.prefix !== undefined), {
    error: 'give images or prefix, not both',
    path: ['images'],
  });
export type StartRunBody = z.infer<typeof startRunBody>;

export const runIdParam = z.string({ error: 'expected a run id' }).regex(RUN_ID_PATTERN, {
  error: 'a run id looks like r-0123abcd... (lowercase letters and digits after r-)',
});

export const RUN_STATES = [
  'pending',
  'running',
  'succeeded',
  'partially_succeeded',
  'failed',
  'cancelled',
  'terminated',
  'budget_exceeded',
] as const;
export const listRunsQuery = z
  .object({
    pipeline: pipelineName.optional(),
    status: z.enum(RUN_STATES, { error: `expected one of ${RUN_STATES.join(', ')}` }).optional(),
    limit: z
      .string()
      .regex(/^[1-9][0-9]{0,2}$/, {
        error: 'expected a whole number 1-200 in plain decimal digits (no sign, spaces, exponent or hex)',
      })
      .transform(Number)
      .pipe(z.number().max(200, { error: 'expected at most 200' }))
      .default(50),
  })
  .strict();

export const callbackBody = z
  .object({
    exitCode: z
      .number({ error: 'expected an integer exit code' })
      .int({ error: 'expected an integer exit code' })
      .optional(),
  })
  .loose();

export const logsQuery = z
  .object({
    image: z
      .string({ error: 'expected an image (blob name, file name or image key) or "finalize"' })
      .min(1)
      .optional(),
    step: z.string({ error: 'expected a step id' }).min(1).optional(),
  })
  .strict();

export const RERUN_SCOPES = ['failed', 'all'] as const;
/** POST /api/runs/{id}/rerun: which of the original run's images run again (default `failed`). */
export const rerunBody = z
  .object(
    {
      only: z
        .enum(RERUN_SCOPES, {
          error: `expected one of ${RERUN_SCOPES.map((s) => `"${s}"`).join(', ')}`,
        })
        .default('failed'),
    },
    { error: 'expected a JSON object' },
  )
  .strict();
export type RerunBody = z.infer<typeof rerunBody>;

export const MAX_UPLOADS = 1000;
const containerName = z
  .string({ error: 'expected a blob container name' })
  .regex(/^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$/, {
    error:
      'a container name has 3-63 lowercase letters, digits and single hyphens, starting and ending with a letter or digit',
  });
const uploadFile = z
  .string({ error: 'expected a file name' })
  .min(1, { error: 'a file name cannot be empty' })
  .max(255, { error: 'a file name has at most 255 characters' })
  .refine((s) => !/[/\\]/.test(s) && s !== '.' && s !== '..', {
    error: 'a file name has no "/" or "\\" and is not "." or ".."',
  });
/** POST /api/uploads: new blobs a client may create, `<prefix><uploadId>/<file>` in `container`. */
export const uploadBody = z
  .object(
    {
      container: containerName,
      prefix: z
        .string({ error: 'expected a blob name prefix' })
        .max(512, { error: 'a prefix has at most 512 characters' })
        .refine((s) => s === '' || s.endsWith('/'), { error: 'a prefix is empty or ends with "/"' })
        .default(''),
      files: z
        .array(uploadFile, { error: 'expected a list of file names' })
        .min(1, { error: 'give at least one file' })
        .max(MAX_UPLOADS, { error: `at most ${MAX_UPLOADS} files per upload` })
        .refine((list) => new Set(list).size === list.length, { error: 'the file list has duplicates' }),
    },
    { error: 'expected a JSON object' },
  )
  .strict();
export type UploadBody = z.infer<typeof uploadBody>;

/** POST /api/plans (docs/http-api.md, "Plans"). */
export const planBody = z
  .object(
    {
      pipeline: z.union([pipelineName, z.record(z.string(), z.unknown())], {
        error: 'expected a pipeline name (string) or an inline pipeline spec (object)',
      }),
      images: z
        .union(
          [
            z
              .number()
              .int({ error: 'a number of images is a whole number' })
              .min(1, { error: 'give at least one image' })
              .max(MAX_IMAGES, { error: `at most ${MAX_IMAGES} images per run` }),
            z
              .array(blobName)
              .min(1, { error: 'give at least one image' })
              .max(MAX_IMAGES, { error: `at most ${MAX_IMAGES} images per run` }),
          ],
          { error: 'expected a number of images or a list of blob names' },
        )
        .optional(),
      prefix: z.string({ error: 'expected a blob name prefix' }).max(1024).optional(),
      stepDurations: z
        .record(z.string(), z.string({ error: 'expected a duration such as 90s, 5m or 1h30m' }), {
          error: 'expected an object: step id -> duration (e.g. { "tile": "2m" })',
        })
        .optional(),
      budget: budgetBody.optional(),
    },
    {
      error: (issue) =>
        issue.code === 'unrecognized_keys'
          ? `unknown field ${issue.keys.map((k) => JSON.stringify(k)).join(', ')}; allowed: pipeline, images, prefix, stepDurations, budget`
          : 'expected a JSON object',
    },
  )
  .strict()
  .refine((body) => body.images !== undefined || body.prefix !== undefined, {
    error: 'give images (a number or a list of blob names) or a prefix',
    path: ['images'],
  })
  .refine((body) => !(body.images !== undefined && body.prefix !== undefined), {
    error: 'give images or prefix, not both',
    path: ['images'],
  });

export type PlanBody = z.infer<typeof planBody>;
