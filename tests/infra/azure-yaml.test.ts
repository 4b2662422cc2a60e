import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2019 from 'ajv/dist/2019';
import addFormats from 'ajv-formats';
import { parse } from 'yaml';
import { repoRoot } from './arm-template';

// azure.yaml against azd's own published schema (vendored: infra/schemas/README.md names its source).
const schema = JSON.parse(readFileSync(join(repoRoot, 'infra/schemas/azure.yaml.json'), 'utf8')) as object;
const ajv = new Ajv2019({ allErrors: true, strict: false });
addFormats(ajv);
// The schema $refs a few azd extensions' schemas (configs of the Azure AI hosts: agents, projects, ...) by URL.
// They are not vendored and nothing here uses those hosts, so each stands in as "any value"; every other
// part of azure.yaml is checked against the real schema.
const externalRefs = new Set(
  [...JSON.stringify(schema).matchAll(/"\$ref":"(https:[^"#]+)"/g)].map((m) => m[1]!),
);
for (const url of externalRefs) ajv.addSchema({}, url);
const validate = ajv.compile(schema);

const load = () => parse(readFileSync(join(repoRoot, 'azure.yaml'), 'utf8')) as Record<string, unknown>;
const errors = (doc: unknown) =>
  validate(doc) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath || '/'}: ${e.message}`);

interface Hook {
  shell?: string;
  run?: string;
}

describe('azure.yaml', () => {
  it("validates against azd's schema", () => {
    expect(errors(load())).toEqual([]);
  });

  it('deploys the package `npm run package` builds, as a Node function app, rebuilt before package and deploy', () => {
    const doc = load() as {
      services: Record<string, { project: string; host: string; language: string }>;
      hooks: Record<string, Hook>;
    };
    expect(doc.services.api).toMatchObject({ project: '.deploy/app', host: 'function', language: 'js' });
    expect(doc.hooks.prepackage?.run).toBe('npm run package');
    expect(doc.hooks.predeploy?.run).toBe('npm run package');
    for (const hook of ['postprovision', 'postdeploy']) {
      const script = doc.hooks[hook]?.run ?? '';
      expect(script).toBe(`./infra/hooks/${hook}.sh`);
      expect(statSync(join(repoRoot, script)).mode & 0o111).not.toBe(0);
    }
  });

  it('the schema check bites: a service without a host, or a bad name, is reported', () => {
    const broken = load() as { name: string; services: Record<string, Record<string, unknown>> };
    broken.name = 'Flotilla App';
    delete broken.services.api!.host;
    const found = errors(broken);
    expect(found).toEqual(
      expect.arrayContaining(['/name: must match pattern "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"']),
    );
    expect(found.some((e) => e.startsWith('/services/api') && e.includes('host'))).toBe(true);
  });
});
