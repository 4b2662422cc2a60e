import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { settingsSchema } from '../../src/config/settings';
import { type ArmTemplate, compileInfra, moduleParam, ofType, props, repoRoot } from './arm-template';
import {
  CONTAINER_GROUPS_ROLE,
  appSettings,
  checkFunctionApp,
  checkNoSecretLiterals,
  checkRequiredSettings,
  checkRoleAssignments,
  checkStorageAndRegistry,
  roleAssignments,
} from './template-checks';

// The compiled template of infra/main.bicep, built here by the same script as `npm run infra:build` (a fresh
// clone restores the Bicep CLI from NuGet first, which takes up to a minute).
let template: ArmTemplate;
beforeAll(() => {
  template = compileInfra();
}, 180_000);

const copy = (): ArmTemplate => structuredClone(template);

/** Settings with neither a default nor `.optional()`: zod rejects them when unset. */
const requiredSettings = Object.entries(settingsSchema.shape)
  .filter(([, schema]) => !schema.safeParse(undefined).success)
  .map(([name]) => name);

const shellVars = (file: string): Record<string, string> => {
  const vars: Record<string, string> = {};
  for (const m of readFileSync(join(repoRoot, file), 'utf8').matchAll(/^([A-Za-z_]+)=("?)(.*)\2$/gm))
    vars[m[1]!] = m[3]!;
  return vars;
};

describe('compiled infra/main.bicep', () => {
  it('sets every app setting src/config/settings.ts requires', () => {
    expect(requiredSettings).toEqual(
      expect.arrayContaining(['FLOTILLA_STORAGE_BLOB_URL', 'FLOTILLA_CALLBACK_SECRET']),
    );
    expect(checkRequiredSettings(template, requiredSettings)).toEqual([]);
    const settings = appSettings(template);
    for (const name of [
      'FLOTILLA_TASK_HUB',
      'FLOTILLA_STAGER_IMAGE',
      'FLOTILLA_BATCH_URL',
      'FLOTILLA_BATCH_POOL_ID',
    ])
      expect(settings).toHaveProperty(name);
    expect(String(settings.FLOTILLA_CALLBACK_BASE_URL)).toMatch(
      /^\[format\('https:\/\/\{0\}'.*defaultHostName/,
    );
  });

  it('holds no key, SAS or secret literal; the callback secret is a Key Vault reference', () => {
    expect(checkNoSecretLiterals(template)).toEqual([]);
    const secret = template.parameters?.callbackSecret;
    expect(secret?.type).toBe('securestring');
    expect(String(secret?.defaultValue)).toContain('newGuid()');
  });

  it('assigns exactly the roles the code needs, at their scopes, all in rbac.bicep', () => {
    expect(checkRoleAssignments(template)).toEqual([]);
    const containerGroups = ofType(template, 'Microsoft.Authorization/roleDefinitions');
    expect(containerGroups).toHaveLength(1);
    expect(props(containerGroups[0]).permissions).toEqual([
      { actions: ['Microsoft.ContainerInstance/containerGroups/*'], notActions: [] },
    ]);
    expect(roleAssignments(template).map((a) => a.role)).toContain(CONTAINER_GROUPS_ROLE);
  });

  it('assigns roles only after every scope they name exists', () => {
    const rbac = template.resources as { name?: string; dependsOn?: string[] }[];
    const after = JSON.stringify(rbac.find((r) => r.name === 'rbac')?.dependsOn ?? []);
    for (const module of ['identity', 'storage', 'registry', 'vault', 'monitoring', 'batch', 'scheduler'])
      expect(after).toContain(`'${module}')`);
  });

  it('runs on Flex Consumption, Node 22, HTTPS only, TLS 1.2, identity-based storage', () => {
    expect(checkFunctionApp(template)).toEqual([]);
    expect(checkStorageAndRegistry(template)).toEqual([]);
  });

  it('creates the blob containers the settings default to, and names the stager image in its own registry', () => {
    const defaults = (name: 'FLOTILLA_IMAGES_CONTAINER' | 'FLOTILLA_PIPELINES_CONTAINER') =>
      settingsSchema.shape[name].parse(undefined);
    const params = template.parameters ?? {};
    expect(params.imagesContainerName?.defaultValue).toBe(defaults('FLOTILLA_IMAGES_CONTAINER'));
    expect(params.pipelinesContainerName?.defaultValue).toBe(defaults('FLOTILLA_PIPELINES_CONTAINER'));
    expect(params.resultsContainerName?.defaultValue).toBe('results');
    const containers = String(moduleParam(template, 'storage', 'containerNames'));
    for (const p of ['imagesContainerName', 'resultsContainerName', 'pipelinesContainerName'])
      expect(containers).toContain(`parameters('${p}')`);
    const stager = String(moduleParam(template, 'api', 'stagerImage'));
    expect(stager).toMatch(/loginServer/);
    expect(stager).toContain('/flotilla-stager:');
    expect(readFileSync(join(repoRoot, 'infra/hooks/postprovision.sh'), 'utf8')).toMatch(
      /--image "flotilla-stager:\$\{TAG\}"\s*\\\s*--file "\$DOCKERFILE"/,
    );
    expect(shellVars('infra/hooks/postprovision.sh').DOCKERFILE).toBe('containers/stager/Dockerfile');
  });

  it('subscribes BlobCreated under the images container to the Event Grid blob trigger', () => {
    const trigger = readFileSync(join(repoRoot, 'src/functions/blob-created.blob.ts'), 'utf8');
    const registered = /app\.storageBlob\('(\w+)'/.exec(trigger)?.[1];
    expect(trigger).toMatch(/source: 'EventGrid'/);
    const hook = shellVars('infra/hooks/postdeploy.sh');
    expect(hook.FUNCTION_NAME).toBe(registered);
    expect(hook.EVENT_TYPES).toBe('Microsoft.Storage.BlobCreated');
    expect(hook.SUBJECT_PREFIX).toBe('/blobServices/default/containers/${IMAGES_CONTAINER}/');
    expect(hook.IMAGES_CONTAINER).toBe('${FLOTILLA_IMAGES_CONTAINER:-images}');
    expect(template.outputs?.FLOTILLA_IMAGES_CONTAINER?.value).toBe("[parameters('imagesContainerName')]");
    expect(hook.endpoint).toBe(
      'https://${host}/runtime/webhooks/blobs?functionName=Host.Functions.${FUNCTION_NAME}&code=${key}',
    );
    const topic = ofType(template, 'Microsoft.EventGrid/systemTopics');
    expect(props(topic[0]).topicType).toBe('Microsoft.Storage.StorageAccounts');
    expect(statSync(join(repoRoot, 'infra/hooks/postdeploy.sh')).mode & 0o111).not.toBe(0);
  });

  it('makes Batch optional: a container pool on the same identity that idles at zero nodes', () => {
    expect(template.parameters?.enableBatch?.defaultValue).toBe(false);
    const pool = ofType(template, 'Microsoft.Batch/batchAccounts/pools')[0];
    const vm = (
      props(pool).deploymentConfiguration as { virtualMachineConfiguration: Record<string, unknown> }
    ).virtualMachineConfiguration;
    expect((vm.containerConfiguration as { type: string }).type).toBe('DockerCompatible');
    expect(pool?.resource.identity).toEqual({
      type: 'UserAssigned',
      userAssignedIdentities: { "[format('{0}', parameters('identityId'))]": {} },
    });
    const scale = props(pool).scaleSettings as { autoScale: { formula: string } };
    expect(scale.autoScale.formula).toBe("[variables('autoScaleFormula')]");
    const formula = String(pool?.template.variables?.autoScaleFormula);
    expect(formula).toContain('$TargetDedicatedNodes = min(');
    expect(formula).toContain(': 0;'); // no pending-task samples yet: zero nodes
    expect(template.resources).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: 'batch', condition: "[parameters('enableBatch')]" }),
      ]),
    );
  });

  it('offers the Durable Task Scheduler, with host.dts.json matching host.json but for the provider', () => {
    expect(template.parameters?.durableBackend?.allowedValues).toEqual([
      'AzureStorage',
      'DurableTaskScheduler',
    ]);
    expect(ofType(template, 'Microsoft.DurableTask/schedulers/taskHubs')).toHaveLength(1);
    expect(String(appSettings(template).DURABLE_TASK_SCHEDULER_CONNECTION_STRING)).toContain(
      'Authentication=ManagedIdentity;ClientID=',
    );
    const host = JSON.parse(readFileSync(join(repoRoot, 'host.json'), 'utf8'));
    const dts = JSON.parse(readFileSync(join(repoRoot, 'infra/host.dts.json'), 'utf8'));
    expect(dts.extensions.durableTask.storageProvider).toEqual({
      type: 'azureManaged',
      connectionStringName: 'DURABLE_TASK_SCHEDULER_CONNECTION_STRING',
    });
    delete dts.extensions.durableTask.storageProvider;
    expect(dts).toEqual(host);
  });
});

describe('the checks bite: they report a broken copy of the template', () => {
  it('a removed required app setting', () => {
    const broken = copy();
    delete appSettings(broken).FLOTILLA_CALLBACK_BASE_URL;
    expect(checkRequiredSettings(broken, requiredSettings)).toEqual([
      'app setting FLOTILLA_CALLBACK_BASE_URL is required by src/config/settings.ts but not set on the function app',
    ]);
  });

  it('a removed role assignment, and one at a wider scope', () => {
    const broken = copy();
    const rbac = ofType(broken, 'Microsoft.Resources/deployments').find((r) => r.resource.name === 'rbac')!;
    const resources = (props(rbac).template as { resources: Record<string, unknown>[] }).resources;
    const acrPull = resources.findIndex((r) =>
      JSON.stringify(r).includes('7f951dda-4ed3-4680-a7ca-43fe172d538d'),
    );
    resources.splice(acrPull, 1);
    const secretsUser = resources.find((r) =>
      JSON.stringify(r).includes('4633458b-17de-408a-b874-0445c86b69e6'),
    )!;
    delete secretsUser.scope;
    const problems = checkRoleAssignments(broken);
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^role 7f951dda-4ed3-4680-a7ca-43fe172d538d is not assigned/),
        expect.stringMatching(
          /^role 4633458b-.* is assigned at resourceGroup, expected Microsoft\.KeyVault\/vaults/,
        ),
      ]),
    );
    expect(problems).toHaveLength(2);
  });

  it('a secret literal or a key-based connection', () => {
    const broken = copy();
    appSettings(broken).FLOTILLA_CALLBACK_SECRET = 'a-literal-secret-of-more-than-32-characters';
    appSettings(broken).AzureWebJobsStorage = 'DefaultEndpointsProtocol=https;AccountName=x;AccountKey=abc';
    expect(checkNoSecretLiterals(broken)).toEqual([
      'the template contains AccountKey= (a key or SAS)',
      'FLOTILLA_CALLBACK_SECRET must be a Key Vault reference, got "a-literal-secret-of-more-than-32-characters"',
    ]);
    expect(checkFunctionApp(broken)).toContain(
      'AzureWebJobsStorage is a connection string; use the identity-based __ settings',
    );
  });

  it('another runtime, plan or TLS version, and shared keys on storage', () => {
    const broken = copy();
    const site = props(ofType(broken, 'Microsoft.Web/sites')[0]) as Record<string, Record<string, unknown>>;
    (site.functionAppConfig!.runtime as { version: string }).version = '20';
    site.siteConfig!.minTlsVersion = '1.0';
    ofType(broken, 'Microsoft.Web/serverfarms')[0]!.resource.sku = { name: 'Y1', tier: 'Dynamic' };
    props(ofType(broken, 'Microsoft.Storage/storageAccounts')[0]).allowSharedKeyAccess = true;
    expect(checkFunctionApp(broken)).toEqual([
      'serverfarm sku is {"name":"Y1","tier":"Dynamic"}, expected {"name":"FC1","tier":"FlexConsumption"}',
      'site minTlsVersion is "1.0", expected "1.2"',
      'functionAppConfig.runtime is {"name":"node","version":"20"}, expected {"name":"node","version":"22"}',
    ]);
    expect(checkStorageAndRegistry(broken)).toEqual(['storage allowSharedKeyAccess is true, expected false']);
  });
});
