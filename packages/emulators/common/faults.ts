import { readFileSync } from 'node:fs';

/**
 * Fault injection shared by the ACI and Batch emulators. Rules come from a JSON file (named by the
 * FLOTILLA_EMULATOR_FAULTS environment variable or the --faults option) or from tests, and match an
 * operation and a resource name pattern; each emulator turns a matched fault into the wire response Azure
 * would send (the failures F1-F15 of docs/emulators.md, 'Failure catalogue (F1-F15)').
 *
 * File format: { "seed": 1, "rules": [ FaultRule, ... ] }
 */
export type FaultKind =
  /** 429 with Retry-After (`retryAfterSeconds`, default 1). */
  | 'throttle'
  /** 500 or 503 (`status`, default 503). `commit: true` applies the mutation first, then fails. */
  | 'server-error'
  /** The connection is destroyed without an answer. */
  | 'no-response'
  /** Accepts the request and never answers (until the client gives up). */
  | 'hang'
  /** ACI ContainerGroupQuotaReached / Batch ActiveJobAndScheduleQuotaReached. */
  | 'quota'
  /** ACI 400 InaccessibleImage / Batch task ContainerInvalidImage. */
  | 'inaccessible-image'
  /** ACI 409 RegistryErrorResponse (transient). */
  | 'registry-error'
  /** The step is killed for running out of memory: exit code 137. */
  | 'oom'
  /** Provisioning takes `delayMs` longer (ACI Pending/Creating, Batch task stays active). */
  | 'slow-provisioning'
  /** Batch: the node under a running task is lost; the task is requeued (requeueCount + 1). */
  | 'node-lost'
  /** The step starts and never finishes by itself. */
  | 'never-finishes'
  /** The step exits with `exitCode`. */
  | 'exit-code'
  /**
   * ACI: a container that exits non-zero is restarted once by the platform even under restartPolicy Never
   * (restartCount 1, previousState holds the first failure; F11 in docs/emulators.md, 'Failure catalogue').
   */
  | 'platform-restart'
  /**
   * ACI: no capacity in the region: 409 ServiceUnavailable at create, or with `commit: true` the create is
   * accepted and provisioning ends Failed (F6 in docs/emulators.md, 'Failure catalogue').
   */
  | 'capacity';

export const FAULT_KINDS: readonly FaultKind[] = [
  'throttle',
  'server-error',
  'no-response',
  'hang',
  'quota',
  'inaccessible-image',
  'registry-error',
  'oom',
  'slow-provisioning',
  'node-lost',
  'never-finishes',
  'exit-code',
  'platform-restart',
  'capacity',
];

export interface FaultRule {
  /** Name used in recordings and logs. Default: `<service>:<operation>:<kind>#<index>`. */
  readonly id?: string;
  readonly service?: 'aci' | 'batch';
  /** Operation name or `*` glob, e.g. `ContainerGroups_CreateOrUpdate`, `Task_*`, `Run` (step execution). */
  readonly operation?: string;
  /** Regular expression on the resource name (container group, job or task id). */
  readonly resource?: string;
  /** How many times the rule fires; unlimited when absent. */
  readonly times?: number;
  /** Chance (0..1) that a matching request is hit; 1 when absent. */
  readonly probability?: number;
  /** Skip this many matching requests before firing. */
  readonly after?: number;
  readonly kind: FaultKind;
  readonly status?: number;
  readonly retryAfterSeconds?: number;
  readonly delayMs?: number;
  readonly exitCode?: number;
  readonly commit?: boolean;
}

export interface FaultFile {
  readonly seed?: number;
  readonly rules: readonly FaultRule[];
}

export interface MatchedFault extends FaultRule {
  readonly id: string;
}

export class FaultError extends Error {
  readonly code = 'FAULT_FILE_INVALID';
}

/** Validates a parsed fault file, naming the rule and field of every problem. */
export function parseFaultFile(value: unknown, source = 'faults'): FaultFile {
  const problems: string[] = [];
  if (typeof value !== 'object' || value === null || !Array.isArray((value as FaultFile).rules)) {
    throw new FaultError(`${source}: expected an object with a "rules" array`);
  }
  const file = value as FaultFile;
  file.rules.forEach((rule, i) => {
    const at = `${source}: rules[${i}]`;
    if (!FAULT_KINDS.includes(rule.kind)) {
      problems.push(
        `${at}.kind: ${JSON.stringify(rule.kind)} is not a fault kind; expected one of ${FAULT_KINDS.join(', ')}`,
      );
    }
    if (rule.service !== undefined && rule.service !== 'aci' && rule.service !== 'batch') {
      problems.push(`${at}.service: expected "aci" or "batch"`);
    }
    if (rule.probability !== undefined && !(rule.probability >= 0 && rule.probability <= 1)) {
      problems.push(`${at}.probability: expected a number from 0 to 1`);
    }
    for (const key of ['times', 'after', 'delayMs', 'retryAfterSeconds'] as const) {
      const v = rule[key];
      if (v !== undefined && !(Number.isInteger(v) && v >= 0))
        problems.push(`${at}.${key}: expected a whole number >= 0`);
    }
    if (rule.resource !== undefined) {
      try {
        new RegExp(rule.resource);
      } catch {
        problems.push(`${at}.resource: not a valid regular expression`);
      }
    }
  });
  if (problems.length) throw new FaultError(problems.join('\n'));
  return file;
}

export function loadFaultFile(path: string): FaultFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new FaultError(`cannot read fault file ${path}: ${(error as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new FaultError(`fault file ${path} is not valid JSON: ${(error as Error).message}`);
  }
  return parseFaultFile(parsed, path);
}

interface RuleState {
  readonly rule: MatchedFault;
  readonly resource?: RegExp;
  readonly operation?: RegExp;
  seen: number;
  fired: number;
}

/** Matches requests against rules. Deterministic for a given seed and request order. */
export class FaultInjector {
  private states: RuleState[] = [];
  private random: () => number;

  constructor(file: FaultFile = { rules: [] }) {
    this.random = mulberry32(file.seed ?? 1);
    this.add(...file.rules);
  }

  add(...rules: FaultRule[]): void {
    for (const rule of parseFaultFile({ rules }).rules) {
      const id =
        rule.id ?? `${rule.service ?? '*'}:${rule.operation ?? '*'}:${rule.kind}#${this.states.length}`;
      this.states.push({
        rule: { ...rule, id },
        resource: rule.resource !== undefined ? new RegExp(rule.resource) : undefined,
        operation: rule.operation !== undefined ? globToRegExp(rule.operation) : undefined,
        seen: 0,
        fired: 0,
      });
    }
  }

  clear(): void {
    this.states = [];
  }

  rules(): readonly MatchedFault[] {
    return this.states.map((s) => s.rule);
  }

  /**
   * The first rule that matches and fires for this request, if any. `kinds` limits the rules considered,
   * so a request path can ask only for the faults it knows how to express.
   */
  match(
    service: 'aci' | 'batch',
    operation: string,
    resource: string,
    kinds?: readonly FaultKind[],
  ): MatchedFault | undefined {
    for (const state of this.states) {
      const { rule } = state;
      if (rule.service && rule.service !== service) continue;
      if (kinds && !kinds.includes(rule.kind)) continue;
      if (state.operation && !state.operation.test(operation)) continue;
      if (state.resource && !state.resource.test(resource)) continue;
      if (rule.times !== undefined && state.fired >= rule.times) continue;
      state.seen += 1;
      if (rule.after !== undefined && state.seen <= rule.after) continue;
      if (rule.probability !== undefined && this.random() >= rule.probability) continue;
      state.fired += 1;
      return rule;
    }
    return undefined;
  }
}

function globToRegExp(glob: string): RegExp {
  const escaped = glob
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${escaped}$`, 'i');
}

/** mulberry32: a small seeded generator (fault probabilities; the chaos bench's `--seed`). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
