/**
 * Rules across fields that the declarative shape cannot express: unique ids, known dependencies,
 * cycles, backend limits, GPU placement, pool specs, env/secret clashes. They read the raw document
 * defensively (it may also have shape errors), so every problem is reported in one pass.
 */
import { findCycles } from './graph';
import {
  aciLimitIssue,
  checkPlacement,
  checkPoolSpec,
  type LimitSources,
  type StepAt,
} from './checks-placement';
import { isPlainObject, type Issue, pathText, type Path } from './shape';
import { closest } from './suggest';

export function checkSemantics(doc: unknown): Issue[] {
  if (!isPlainObject(doc)) return [];
  const issues: Issue[] = [];
  const defaults = isPlainObject(doc.defaults) ? doc.defaults : {};
  const steps: StepAt[] = (Array.isArray(doc.steps) ? doc.steps : []).flatMap((step: unknown, index) =>
    isPlainObject(step) ? [{ step, path: ['steps', index], id: text(step.id) }] : [],
  );
  const finalize = isPlainObject(doc.finalize)
    ? { step: doc.finalize, path: ['finalize'], id: text(doc.finalize.id) }
    : undefined;
  const all = finalize ? [...steps, finalize] : steps;

  checkUniqueIds(all, issues);
  checkDependencies(steps, finalize, issues);
  const limitSources: LimitSources = new Map();
  for (const at of all) checkPlacement(at, defaults, issues, limitSources);
  for (const source of limitSources.values()) issues.push(aciLimitIssue(source));
  if (defaults.pool !== undefined) checkPoolSpec(defaults.pool, ['defaults', 'pool'], issues);
  checkOutputsOutsideInputs(doc.inputs, doc.outputs, issues);
  return issues;
}

/** Results written where images are read would be picked up as new images (by the next run or the blob trigger). */
function checkOutputsOutsideInputs(inputs: unknown, outputs: unknown, issues: Issue[]): void {
  if (!isPlainObject(inputs) || !isPlainObject(outputs) || inputs.container !== outputs.container) return;
  const inPrefix = typeof inputs.prefix === 'string' ? inputs.prefix : '';
  const outPrefix = typeof outputs.prefix === 'string' ? outputs.prefix : '';
  if (!outPrefix.startsWith(inPrefix)) return;
  const where = `${String(outputs.container)}/${inPrefix}`;
  issues.push({
    path: ['outputs', outPrefix === '' ? 'container' : 'prefix'],
    message: `results would land among the input images (${where}) and be read as new images; use another container, or a prefix outside inputs.prefix`,
    at: 'value',
  });
}

function checkUniqueIds(all: readonly StepAt[], issues: Issue[]): void {
  const firstAt = new Map<string, Path>();
  for (const { id, path } of all) {
    if (id === undefined) continue;
    const first = firstAt.get(id);
    if (first) {
      issues.push({
        path: [...path, 'id'],
        message: `"${id}" is already the id of ${pathText(first)}; step ids must be unique (steps and finalize together)`,
        at: 'value',
      });
    } else firstAt.set(id, path);
  }
}

function checkDependencies(steps: readonly StepAt[], finalize: StepAt | undefined, issues: Issue[]): void {
  const ids = [...new Set(steps.flatMap((s) => (s.id === undefined ? [] : [s.id])))];
  const known = new Set(ids);
  const nodes = steps.flatMap(({ id, step }) =>
    id === undefined
      ? []
      : [
          {
            id,
            dependsOn: Array.isArray(step.dependsOn)
              ? step.dependsOn.filter((d): d is string => typeof d === 'string')
              : [],
          },
        ],
  );
  for (const { step, path, id } of steps) {
    if (!Array.isArray(step.dependsOn)) continue;
    step.dependsOn.forEach((dep: unknown, index) => {
      if (typeof dep !== 'string') return;
      const at: Path = [...path, 'dependsOn', index];
      if (dep === id)
        issues.push({ path: at, message: `a step cannot depend on itself ("${dep}")`, at: 'value' });
      else if (finalize?.id === dep) {
        issues.push({
          path: at,
          message: `"${dep}" is the finalize step, which runs after all steps; a step cannot depend on it`,
          at: 'value',
        });
      } else if (!known.has(dep)) {
        const guess = closest(dep, ids);
        const hint = guess ? `did you mean "${guess}"? ` : '';
        issues.push({
          path: at,
          message: `unknown step "${dep}"; ${hint}steps are: ${ids.join(', ')}`,
          at: 'value',
        });
      }
    });
  }
  for (const cycle of findCycles(nodes)) {
    if (cycle.length === 2) continue; // self-dependency, reported above
    const [first, next] = cycle;
    const at = steps.find((s) => s.id === first);
    const deps = at && Array.isArray(at.step.dependsOn) ? (at.step.dependsOn as unknown[]) : [];
    const index = deps.indexOf(next);
    const path = at ? [...at.path, 'dependsOn', ...(index >= 0 ? [index] : [])] : ['steps'];
    issues.push({
      path,
      message: `dependsOn forms a cycle: ${cycle.join(' -> ')} (-> reads "depends on"); remove one of these dependencies`,
      at: 'value',
    });
  }
}

export function checkEnvSecretClash(doc: unknown): Issue[] {
  if (!isPlainObject(doc)) return [];
  const issues: Issue[] = [];
  const steps = Array.isArray(doc.steps)
    ? doc.steps.map((step: unknown, i): [unknown, Path] => [step, ['steps', i]])
    : [];
  if (doc.finalize !== undefined) steps.push([doc.finalize, ['finalize']]);
  for (const [step, path] of steps) {
    if (!isPlainObject(step) || !isPlainObject(step.env) || !isPlainObject(step.secrets)) continue;
    for (const name of Object.keys(step.secrets)) {
      if (name in step.env) {
        issues.push({
          path: [...path, 'secrets', name],
          message: `${name} is also set in env; a variable is either plain (env) or secret (secrets), not both`,
          at: 'key',
        });
      }
    }
  }
  return issues;
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}
