import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Reading compiled ARM templates (what `npm run infra:build` writes): nested module deployments flattened
 * into one list, each resource with the module path it came from. Pure over the template object, so the
 * checks in template-checks.ts run the same on a deliberately broken copy.
 */
export type Json = Record<string, unknown>;

export interface ArmTemplate {
  readonly parameters?: Record<string, Json>;
  readonly variables?: Json;
  readonly resources: Json[] | Record<string, Json>;
  readonly outputs?: Record<string, Json>;
}

export interface FoundResource {
  /** Module names from the root, e.g. ['api'] for a resource of infra/app/function-app.bicep. */
  readonly modulePath: readonly string[];
  readonly resource: Json;
  readonly template: ArmTemplate;
}

export const repoRoot = join(__dirname, '..', '..');

/** Compiles and lints infra/ (restoring the Bicep CLI on a fresh clone) and returns the compiled template. */
export function compileInfra(): ArmTemplate {
  execFileSync(process.execPath, [join(repoRoot, 'scripts', 'infra-build.js')], {
    cwd: repoRoot,
    stdio: 'pipe',
  });
  return JSON.parse(readFileSync(join(repoRoot, '.tools', 'infra', 'main.json'), 'utf8')) as ArmTemplate;
}

const list = (resources: ArmTemplate['resources']): Json[] =>
  Array.isArray(resources) ? resources : Object.values(resources);

export function allResources(template: ArmTemplate, modulePath: readonly string[] = []): FoundResource[] {
  const found: FoundResource[] = [];
  for (const resource of list(template.resources)) {
    if (resource.existing === true) continue;
    found.push({ modulePath, resource, template });
    const props = resource.properties as Json | undefined;
    if (resource.type === 'Microsoft.Resources/deployments' && props?.template)
      found.push(...allResources(props.template as ArmTemplate, [...modulePath, String(resource.name)]));
  }
  return found;
}

export const ofType = (template: ArmTemplate, type: string): FoundResource[] =>
  allResources(template).filter((r) => r.resource.type === type);

export const props = (r: FoundResource | undefined): Json => (r?.resource.properties ?? {}) as Json;

/** The module deployment resource with this name (its `properties.parameters` are what main passes). */
export function moduleDeployment(template: ArmTemplate, name: string): FoundResource | undefined {
  return ofType(template, 'Microsoft.Resources/deployments').find((r) => r.resource.name === name);
}

/** A value passed to a module (`properties.parameters.<name>.value`). */
export function moduleParam(template: ArmTemplate, module: string, name: string): unknown {
  const params = props(moduleDeployment(template, module)).parameters as Record<string, Json> | undefined;
  return params?.[name]?.value;
}

/** The resource type an ARM `scope` expression names (`[resourceId('TYPE', ...)]`); none: the resource group. */
export function scopeType(scope: unknown): string {
  if (scope === undefined) return 'resourceGroup';
  const text = typeof scope === 'string' ? scope : JSON.stringify(scope);
  const match = /resourceId\('([^']+)'/.exec(text);
  return match?.[1] ?? `unrecognised scope ${text}`;
}
