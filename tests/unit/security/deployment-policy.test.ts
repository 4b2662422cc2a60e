import { createComposition, deploymentPolicy } from '../../../src/composition';
import { loadConfig } from '../../../src/config';
import { parsePipeline } from '../../../src/pipeline';
import { checkDeploymentPolicy } from '../../../src/pipeline/deployment-policy';
import type { AdapterError } from '../../../src/adapters/errors';

const base = {
  FLOTILLA_STORAGE_BLOB_URL: 'https://127.0.0.1:10000/devstoreaccount1',
  FLOTILLA_SUBSCRIPTION_ID: 'sub',
  FLOTILLA_RESOURCE_GROUP: 'rg',
  FLOTILLA_LOCATION: 'westeurope',
  FLOTILLA_CALLBACK_BASE_URL: 'http://127.0.0.1:7071',
  FLOTILLA_CALLBACK_SECRET: 'x'.repeat(32),
  FLOTILLA_STAGER_IMAGE: 'flotilla-local/stager:dev',
};
const config = loadConfig({
  ...base,
  FLOTILLA_STEP_SECRET_SETTINGS: 'PARTNER_TOKEN, OTHER',
  FLOTILLA_KEY_VAULT_HOSTS: 'teamvault.vault.azure.net',
});

function specWith(secrets: Record<string, string>, more = ''): string {
  const lines = Object.entries(secrets).map(([k, v]) => `      ${k}: "${v}"`);
  return [
    'name: p',
    'inputs: { container: images }',
    'outputs: { container: results }',
    more,
    'steps:',
    '  - id: a',
    '    image: busybox',
    '    command: "true"',
    ...(lines.length ? ['    secrets:', ...lines] : []),
  ].join('\n');
}
const problems = (text: string) => {
  const parsed = parsePipeline(text);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  return checkDeploymentPolicy(parsed.spec, deploymentPolicy(config));
};

test('only STEP_SECRET_* and listed settings resolve; app and platform settings never', () => {
  expect(problems(specWith({ A: 'setting:STEP_SECRET_A', B: 'setting:PARTNER_TOKEN' }))).toEqual([]);
  const refused = problems(
    specWith({
      K: 'setting:FLOTILLA_CALLBACK_SECRET',
      S: 'setting:AzureWebJobsStorage',
      I: 'setting:IDENTITY_HEADER',
      U: 'setting:UNLISTED',
    }),
  );
  expect(refused.map((p) => p.path)).toEqual([
    'steps[0].secrets.K',
    'steps[0].secrets.S',
    'steps[0].secrets.I',
    'steps[0].secrets.U',
  ]);
  expect(refused[0]?.message).toMatch(
    /setting "FLOTILLA_CALLBACK_SECRET" is not available to steps.*STEP_SECRET_\*/,
  );
});

test('Key Vault references only to listed vaults', () => {
  expect(problems(specWith({ A: 'keyvault:https://teamvault.vault.azure.net/secrets/a' }))).toEqual([]);
  expect(problems(specWith({ A: 'keyvault:https://othervault.vault.azure.net/secrets/a' }))).toEqual([
    {
      path: 'steps[0].secrets.A',
      message: expect.stringMatching(/Key Vault "othervault.vault.azure.net" is not allowed.*teamvault/),
    },
  ]);
});

test("flotilla's own containers are neither inputs nor outputs; prefixes stay in their folder", () => {
  const text = specWith({}).replace('inputs: { container: images }', 'inputs: { container: flotilla-state }');
  expect(problems(text).map((p) => p.path)).toEqual(['inputs.container']);
  const out = specWith({}).replace(
    'outputs: { container: results }',
    'outputs: { container: pipelines, prefix: "a/../../" }',
  );
  expect(problems(out).map((p) => p.path)).toEqual(['outputs.container', 'outputs.prefix']);
  const theirs = specWith({}).replace(
    'outputs: { container: results }',
    'outputs: { container: results, prefix: r-0a/ }',
  );
  expect(problems(theirs).map((p) => p.path)).toEqual(['outputs.prefix']);
});

test('a platform name in FLOTILLA_STEP_SECRET_SETTINGS is a config error, named', () => {
  expect(() => loadConfig({ ...base, FLOTILLA_STEP_SECRET_SETTINGS: 'AzureWebJobsStorage' })).toThrow(
    /FLOTILLA_STEP_SECRET_SETTINGS: expected setting names meant for steps/,
  );
});

test('the resolver refuses what the policy refuses, even for a spec stored earlier', async () => {
  const root = createComposition(config, {
    secretSettings: { FLOTILLA_CALLBACK_SECRET: 'k'.repeat(32), STEP_SECRET_OK: 'ok' },
  });
  expect(await root.secrets.resolve('setting:STEP_SECRET_OK')).toBe('ok');
  const error = (await root.secrets
    .resolve('setting:FLOTILLA_CALLBACK_SECRET')
    .catch((e: unknown) => e)) as AdapterError;
  expect(error.code).toBe('SECRET_UNRESOLVED');
  expect(error.message).toMatch(/not available to steps/);
  expect(error.message).not.toContain('kkkk');
});
