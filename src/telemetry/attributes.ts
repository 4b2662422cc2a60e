/**
 * The attribute names flotilla puts on its spans and log records (docs/telemetry.md). Every span and log
 * record of a step attempt carries the four `flotilla.*` step attributes.
 */
import type { StepRef } from '../compute/port';

export const ATTR = {
  runId: 'flotilla.run_id',
  image: 'flotilla.image',
  step: 'flotilla.step',
  attempt: 'flotilla.attempt',
  activity: 'flotilla.activity',
  outcome: 'flotilla.outcome',
} as const;

export type AttributeValue = string | number | boolean;
export type Attributes = Readonly<Record<string, AttributeValue>>;

export function stepAttributes(ref: StepRef): Attributes {
  return {
    [ATTR.runId]: ref.runId,
    [ATTR.image]: ref.imageKey,
    [ATTR.step]: ref.step,
    [ATTR.attempt]: ref.attempt,
  };
}

/** The short field names log lines use (`runId=... image=...`), and the attribute each one becomes. */
const FIELD_NAMES: Readonly<Record<string, string>> = {
  runId: ATTR.runId,
  image: ATTR.image,
  imageKey: ATTR.image,
  step: ATTR.step,
  attempt: ATTR.attempt,
};

/** Log fields as attributes: the step fields get their `flotilla.*` names, others keep theirs. */
export function fieldAttributes(fields: Readonly<Record<string, AttributeValue>>): Attributes {
  const out: Record<string, AttributeValue> = {};
  for (const [key, value] of Object.entries(fields)) out[FIELD_NAMES[key] ?? key] = value;
  return out;
}

/** The step attempt named by a set of attributes, when all four step attributes are there. */
export function stepOfAttributes(attributes: Attributes): StepRef | undefined {
  const runId = attributes[ATTR.runId];
  const imageKey = attributes[ATTR.image];
  const step = attributes[ATTR.step];
  const attempt = Number(attributes[ATTR.attempt]);
  if (typeof runId !== 'string' || typeof imageKey !== 'string' || typeof step !== 'string') return undefined;
  if (!Number.isInteger(attempt) || attempt < 1) return undefined;
  return { runId, imageKey, step, attempt };
}
