/**
 * What a pipeline may reach in this deployment, beyond what the spec's own shape allows (docs/security.md):
 * which app settings and Key Vaults its secret references may name, and which blob containers are
 * flotilla's own and so never a run's inputs or outputs. Pure: the policy is built from the Config by the
 * caller; the same check runs when a spec is stored (PUT /api/pipelines) and when a run starts.
 */
import type { PipelineSpec, PipelineStep, SecretRef, SpecError } from './types';

export interface DeploymentPolicy {
  /** `setting:NAME` may name settings starting with this prefix... */
  readonly stepSecretPrefix: string;
  /** ...or listed here. */
  readonly stepSecretSettings: readonly string[];
  /** Names never resolvable, listed or not (the app's and its platform's settings). */
  readonly isReservedSetting: (name: string) => boolean;
  /** Lowercase hosts `keyvault:` references may name; empty: none. */
  readonly keyVaultHosts: readonly string[];
  /** flotilla's own containers (state, pipelines, run index): never a run's inputs or outputs. */
  readonly reservedContainers: readonly string[];
  /** Holds run records, manifests and logs: never a run's inputs; outputs may go there under their run folder. */
  readonly resultsContainer: string;
  /** The images container (blob trigger): outputs there would start new runs. */
  readonly imagesContainer: string;
}

/** Why a secret reference is not allowed here, or undefined when it is. */
export function secretRefProblem(ref: SecretRef, policy: DeploymentPolicy): string | undefined {
  if (ref.kind === 'setting') {
    const listed = policy.stepSecretSettings.includes(ref.name);
    const prefixed = ref.name.startsWith(policy.stepSecretPrefix);
    if (!policy.isReservedSetting(ref.name) && (listed || prefixed)) return undefined;
    const allowed = [
      `settings named ${policy.stepSecretPrefix}*`,
      ...(policy.stepSecretSettings.length > 0
        ? [`those listed in FLOTILLA_STEP_SECRET_SETTINGS (${policy.stepSecretSettings.join(', ')})`]
        : ['those listed in FLOTILLA_STEP_SECRET_SETTINGS (none are)']),
    ].join(' or ');
    return `setting "${ref.name}" is not available to steps: a step may read only ${allowed}; the app's own settings never`;
  }
  const host = new URL(ref.vaultUrl).host.toLowerCase();
  if (policy.keyVaultHosts.includes(host)) return undefined;
  return policy.keyVaultHosts.length > 0
    ? `Key Vault "${host}" is not allowed: allowed vaults (FLOTILLA_KEY_VAULT_HOSTS) are ${policy.keyVaultHosts.join(', ')}`
    : `Key Vault "${host}" is not allowed: this deployment allows no Key Vault references (FLOTILLA_KEY_VAULT_HOSTS is empty)`;
}

/** A blob prefix that could leave its folder: `..` segments, percent-encoded dots, control characters. */
export function prefixProblem(prefix: string): string | undefined {
  if (prefix.split('/').some((segment) => segment === '..' || segment === '.'))
    return 'must not have "." or ".." segments';
  if (/%2e|%2f|%5c/i.test(prefix)) return 'must not have percent-encoded dots or slashes';
  if (prefix.includes('//')) return 'must not have empty segments ("//")';
  return undefined;
}

/** Every problem with the spec under this policy, with spec paths (`steps[1].secrets.TOKEN`). */
export function checkDeploymentPolicy(spec: PipelineSpec, policy: DeploymentPolicy): SpecError[] {
  const errors: SpecError[] = [];
  const stepAt: [PipelineStep, string][] = spec.steps.map((s, i) => [s, `steps[${i}]`]);
  if (spec.finalize) stepAt.push([spec.finalize, 'finalize']);
  for (const [step, path] of stepAt) {
    for (const [name, ref] of Object.entries(step.secrets)) {
      const problem = secretRefProblem(ref, policy);
      if (problem) errors.push({ path: `${path}.secrets.${name}`, message: problem });
    }
  }
  const own = (container: string) =>
    policy.reservedContainers.includes(container) || /^azure-webjobs-/.test(container);
  if (own(spec.inputs.container) || spec.inputs.container === policy.resultsContainer)
    errors.push({
      path: 'inputs.container',
      message: `"${spec.inputs.container}" holds flotilla's own state or other runs' records and cannot be a run's input; reserved: ${[...policy.reservedContainers, policy.resultsContainer].join(', ')}`,
    });
  if (own(spec.outputs.container) || spec.outputs.container === policy.imagesContainer)
    errors.push({
      path: 'outputs.container',
      message: `"${spec.outputs.container}" cannot hold a run's outputs (flotilla's own state, or the images container where new blobs start runs); reserved: ${[...policy.reservedContainers, policy.imagesContainer].join(', ')}`,
    });
  for (const [where, location] of [
    ['inputs', spec.inputs],
    ['outputs', spec.outputs],
  ] as const) {
    const problem = prefixProblem(location.prefix);
    if (problem) errors.push({ path: `${where}.prefix`, message: `the prefix ${problem}` });
  }
  if (spec.outputs.container === policy.resultsContainer && /^r-/.test(spec.outputs.prefix))
    errors.push({
      path: 'outputs.prefix',
      message: `in "${policy.resultsContainer}" an outputs prefix must not start with "r-": that is where runs keep their records (each run writes under its own <runId>/)`,
    });
  return errors;
}
