import { type ArmTemplate, type FoundResource, allResources, ofType, props, scopeType } from './arm-template';

/**
 * Structural checks over the compiled template. Each returns the problems it finds (empty: fine), naming the
 * resource and property, so a test can show that a check reports a deliberately broken copy.
 */

/** Every role the code needs: role definition id -> scope resource type and the code path that needs it. */
export interface RoleNeed {
  readonly role: string;
  readonly scope: string;
  readonly codePath: string;
  /** Assigned only when this feature is on (the assignment carries a condition). */
  readonly when?: 'enableBatch' | 'durableTaskScheduler' | 'deployer';
}

export const CONTAINER_GROUPS_ROLE = 'custom: Microsoft.ContainerInstance/containerGroups/*';

export const ROLE_NEEDS: readonly RoleNeed[] = [
  {
    role: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b', // Storage Blob Data Owner
    scope: 'Microsoft.Storage/storageAccounts',
    codePath: 'Functions host AzureWebJobsStorage (Durable leases, blob trigger), src/storage/blob-store.ts',
  },
  {
    role: '974c5e8b-45b9-4653-ba55-5f855dd0fb88', // Storage Queue Data Contributor
    scope: 'Microsoft.Storage/storageAccounts',
    codePath: 'Durable control/work-item queues (AzureWebJobsStorage__queueServiceUri)',
  },
  {
    role: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3', // Storage Table Data Contributor
    scope: 'Microsoft.Storage/storageAccounts',
    codePath: 'Durable history and instances tables (AzureWebJobsStorage__tableServiceUri)',
  },
  {
    role: 'db58b8e5-c6ad-4a2a-8342-4190687cbf4a', // Storage Blob Delegator
    scope: 'Microsoft.Storage/storageAccounts',
    codePath: 'src/storage/sas.ts UserDelegationSasSigner.getUserDelegationKey',
  },
  {
    role: CONTAINER_GROUPS_ROLE,
    scope: 'resourceGroup',
    codePath: 'src/compute/aci/aci-backend.ts container group create/get/update/delete/list, listLogs',
  },
  {
    role: 'f1a07417-d97a-45cb-824c-7a7467783830', // Managed Identity Operator
    scope: 'Microsoft.ManagedIdentity/userAssignedIdentities',
    codePath: 'src/compute/aci/group-body.ts attaches FLOTILLA_ACI_IDENTITY_ID to container groups',
  },
  {
    role: '7f951dda-4ed3-4680-a7ca-43fe172d538d', // AcrPull
    scope: 'Microsoft.ContainerRegistry/registries',
    codePath:
      'ACI pulls of FLOTILLA_STAGER_IMAGE and registry.identity images; Batch identityReference pulls',
  },
  {
    role: '4633458b-17de-408a-b874-0445c86b69e6', // Key Vault Secrets User
    scope: 'Microsoft.KeyVault/vaults',
    codePath: 'FLOTILLA_CALLBACK_SECRET Key Vault reference; src/secrets/secret-resolver.ts keyvault: refs',
  },
  {
    role: '3913510d-42f4-4e42-8a64-420c390055eb', // Monitoring Metrics Publisher
    scope: 'Microsoft.Insights/components',
    codePath: 'host telemetry with APPLICATIONINSIGHTS_AUTHENTICATION_STRING (local auth off)',
  },
  {
    role: '6aaa78f1-f7de-44ca-8722-c64a23943cae', // Azure Batch Data Contributor
    scope: 'Microsoft.Batch/batchAccounts',
    codePath: 'src/compute/batch/batch-backend.ts pool/job/task add, list, delete',
    when: 'enableBatch',
  },
  {
    role: '0ad04412-c4d5-4796-b79c-f76d14c8d402', // Durable Task Data Contributor
    scope: 'Microsoft.DurableTask/schedulers',
    codePath: 'Durable extension with infra/host.dts.json (DURABLE_TASK_SCHEDULER_CONNECTION_STRING)',
    when: 'durableTaskScheduler',
  },
  {
    role: 'ba92f5b4-2d11-453d-a403-e96b0029c9fe', // Storage Blob Data Contributor (the deploying user)
    scope: 'Microsoft.Storage/storageAccounts',
    codePath: 'docs/deploy.md: the deployer uploads input images (shared keys are off)',
    when: 'deployer',
  },
];

const GUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;

export interface FoundAssignment {
  readonly role: string;
  readonly scope: string;
  readonly conditional: boolean;
  readonly module: string;
}

/** Role assignments as (role, scope type); a custom role is named by its only action. */
export function roleAssignments(template: ArmTemplate): FoundAssignment[] {
  const customRoles = new Map<string, string>();
  for (const def of ofType(template, 'Microsoft.Authorization/roleDefinitions')) {
    const permissions = (props(def).permissions ?? []) as { actions?: string[] }[];
    const actions = permissions.flatMap((p) => p.actions ?? []);
    customRoles.set(String(def.resource.name), `custom: ${actions.join(', ')}`);
  }
  return ofType(template, 'Microsoft.Authorization/roleAssignments').map((a) => {
    const definition = String(props(a).roleDefinitionId);
    const custom = [...customRoles.entries()].find(([name]) =>
      definition.includes(name.replace(/^\[|\]$/g, '')),
    );
    return {
      role: custom ? custom[1] : (GUID.exec(definition)?.[0] ?? definition),
      scope: scopeType(a.resource.scope),
      conditional: a.resource.condition !== undefined,
      module: a.modulePath.join('/'),
    };
  });
}

export function checkRoleAssignments(
  template: ArmTemplate,
  needs: readonly RoleNeed[] = ROLE_NEEDS,
): string[] {
  const found = roleAssignments(template);
  const problems: string[] = [];
  for (const need of needs) {
    const match = found.filter((f) => f.role === need.role);
    if (match.length === 0) problems.push(`role ${need.role} is not assigned (needed by ${need.codePath})`);
    for (const m of match) {
      if (m.scope !== need.scope)
        problems.push(
          `role ${need.role} is assigned at ${m.scope}, expected ${need.scope} (${need.codePath})`,
        );
      if (need.when && !m.conditional) problems.push(`role ${need.role} must be conditional on ${need.when}`);
    }
  }
  for (const f of found) {
    if (!needs.some((n) => n.role === f.role))
      problems.push(`role ${f.role} at ${f.scope} is assigned but no code path in the table needs it`);
    if (f.module !== 'rbac')
      problems.push(`role ${f.role} is assigned in module '${f.module}', not in rbac.bicep`);
  }
  for (const def of ofType(template, 'Microsoft.Authorization/roleDefinitions')) {
    const scopes = JSON.stringify(props(def).assignableScopes);
    if (scopes !== JSON.stringify(['[resourceGroup().id]']))
      problems.push(
        `custom role ${String(def.resource.name)} is assignable at ${scopes}, expected the resource group`,
      );
  }
  return problems;
}

/** The function app's settings (the literal object of its `appsettings` config resource). */
export function appSettings(template: ArmTemplate): Record<string, unknown> {
  const config = ofType(template, 'Microsoft.Web/sites/config').find((r) =>
    String(r.resource.name).includes('appsettings'),
  );
  return props(config);
}

export function checkRequiredSettings(template: ArmTemplate, required: readonly string[]): string[] {
  const settings = appSettings(template);
  return required
    .filter((name) => settings[name] === undefined || settings[name] === '')
    .map(
      (name) => `app setting ${name} is required by src/config/settings.ts but not set on the function app`,
    );
}

export function checkNoSecretLiterals(template: ArmTemplate): string[] {
  const problems: string[] = [];
  const text = JSON.stringify(template);
  for (const pattern of [/AccountKey=/i, /SharedAccessSignature/i, /listKeys\(/i, /[?&]sig=/i])
    if (pattern.test(text)) problems.push(`the template contains ${pattern.source} (a key or SAS)`);
  const secret = appSettings(template).FLOTILLA_CALLBACK_SECRET;
  if (typeof secret !== 'string' || !/^\[format\('@Microsoft\.KeyVault\(SecretUri=\{0\}\)'/.test(secret))
    problems.push(`FLOTILLA_CALLBACK_SECRET must be a Key Vault reference, got ${JSON.stringify(secret)}`);
  for (const found of allResources(template)) {
    for (const [name, param] of Object.entries(found.template.parameters ?? {})) {
      const isSecure = param.type === 'securestring' || param.type === 'secureString';
      if (
        isSecure &&
        param.defaultValue !== undefined &&
        !JSON.stringify(param.defaultValue).includes('newGuid()')
      )
        problems.push(`secure parameter ${name} has a literal default`);
    }
  }
  const secrets = ofType(template, 'Microsoft.KeyVault/vaults/secrets');
  for (const s of secrets)
    if (!/^\[parameters\('\w+'\)\]$/.test(String(props(s).value)))
      problems.push(`Key Vault secret ${String(s.resource.name)} has a value that is not a secure parameter`);
  if (secrets.length === 0) problems.push('no Key Vault secret holds the callback secret');
  return problems;
}

const expect = (problems: string[], what: string, actual: unknown, wanted: unknown) => {
  if (JSON.stringify(actual) !== JSON.stringify(wanted))
    problems.push(`${what} is ${JSON.stringify(actual)}, expected ${JSON.stringify(wanted)}`);
};

const one = (template: ArmTemplate, type: string): FoundResource | undefined => ofType(template, type)[0];

export function checkFunctionApp(template: ArmTemplate): string[] {
  const problems: string[] = [];
  const plan = one(template, 'Microsoft.Web/serverfarms');
  expect(problems, 'serverfarm sku', plan?.resource.sku, { name: 'FC1', tier: 'FlexConsumption' });
  const site = props(one(template, 'Microsoft.Web/sites'));
  expect(problems, 'site httpsOnly', site.httpsOnly, true);
  const siteConfig = (site.siteConfig ?? {}) as Record<string, unknown>;
  expect(problems, 'site minTlsVersion', siteConfig.minTlsVersion, '1.2');
  const appConfig = (site.functionAppConfig ?? {}) as Record<string, Record<string, unknown>>;
  expect(problems, 'functionAppConfig.runtime', appConfig.runtime, { name: 'node', version: '22' });
  const storage = (appConfig.deployment?.storage ?? {}) as Record<string, Record<string, unknown>>;
  expect(problems, 'deployment storage type', storage.type, 'blobContainer');
  expect(problems, 'deployment storage auth', storage.authentication?.type, 'UserAssignedIdentity');
  if (!site.keyVaultReferenceIdentity) problems.push('site keyVaultReferenceIdentity is not set');
  const settings = appSettings(template);
  expect(
    problems,
    'AzureWebJobsStorage__credential',
    settings.AzureWebJobsStorage__credential,
    'managedidentity',
  );
  for (const name of ['blobServiceUri', 'queueServiceUri', 'tableServiceUri', 'clientId'])
    if (!settings[`AzureWebJobsStorage__${name}`])
      problems.push(`app setting AzureWebJobsStorage__${name} is not set`);
  for (const name of ['AZURE_CLIENT_ID', 'APPLICATIONINSIGHTS_CONNECTION_STRING', 'FLOTILLA_ACI_IDENTITY_ID'])
    if (!settings[name]) problems.push(`app setting ${name} is not set`);
  if (!String(settings.APPLICATIONINSIGHTS_AUTHENTICATION_STRING).includes('Authorization=AAD'))
    problems.push('APPLICATIONINSIGHTS_AUTHENTICATION_STRING does not use the identity (Authorization=AAD)');
  if (Object.keys(settings).some((k) => /^AzureWebJobsStorage$/i.test(k)))
    problems.push('AzureWebJobsStorage is a connection string; use the identity-based __ settings');
  return problems;
}

export function checkStorageAndRegistry(template: ArmTemplate): string[] {
  const problems: string[] = [];
  const account = props(one(template, 'Microsoft.Storage/storageAccounts'));
  expect(problems, 'storage allowSharedKeyAccess', account.allowSharedKeyAccess, false);
  expect(problems, 'storage allowBlobPublicAccess', account.allowBlobPublicAccess, false);
  expect(problems, 'storage minimumTlsVersion', account.minimumTlsVersion, 'TLS1_2');
  expect(problems, 'storage supportsHttpsTrafficOnly', account.supportsHttpsTrafficOnly, true);
  const registry = one(template, 'Microsoft.ContainerRegistry/registries');
  expect(problems, 'registry sku', registry?.resource.sku, { name: 'Basic' });
  expect(problems, 'registry adminUserEnabled', props(registry).adminUserEnabled, false);
  expect(
    problems,
    'key vault RBAC',
    props(one(template, 'Microsoft.KeyVault/vaults')).enableRbacAuthorization,
    true,
  );
  return problems;
}
