import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/**
 * The layer rules in .dependency-cruiser.cjs, proven to fire: a throw-away tree with the repository's
 * shape holds one deliberately bad import per rule (and clean neighbours), and the real dependency-cruiser
 * with the real configuration must report exactly those. `npm run layers` runs the same rules on the tree.
 */
const root = join(__dirname, '../..');
const cruiser = join(root, 'node_modules/dependency-cruiser/bin/dependency-cruise.mjs');

const files: Record<string, string> = {
  // Clean: what the layers allow.
  'src/runs/plan.ts': `export const plan = 1;`,
  'src/activities/contracts.ts': `export interface StartInput { readonly id: string }`,
  'src/orchestrators/good.orchestrator.ts': [
    `import type { StartInput } from '../activities/contracts';`,
    `import type { BlobServiceClient } from '@azure/storage-blob';`,
    `import { plan } from '../runs/plan';`,
    `export const ok = (i: StartInput, c?: BlobServiceClient) => [i, c, plan];`,
  ].join('\n'),
  'src/storage/store.ts': `import { BlobServiceClient } from '@azure/storage-blob';\nexport const s = BlobServiceClient;`,
  'packages/cli/run.ts': `import { plan } from '../../src/runs/plan';\nexport const r = plan;`,
  // One bad import per rule.
  'src/activities/thing.ts': `export const thing = 1;`,
  'src/orchestrators/value-import.orchestrator.ts': `import { thing } from '../activities/thing';\nexport const v = thing;`,
  'src/runs/new-id.ts': `import { randomBytes } from 'node:crypto';\nexport const newId = () => randomBytes(4);`,
  'src/orchestrators/deep-random.orchestrator.ts': `import { newId } from '../runs/new-id';\nexport const d = newId;`,
  'src/functions/sdk.http.ts': `import { BlobServiceClient } from '@azure/storage-blob';\nexport const f = BlobServiceClient;`,
  'packages/emulators/stack/index.ts': `export const stack = 1;`,
  'src/functions/local.http.ts': `import { stack } from '../../packages/emulators/stack/index';\nexport const l = stack;`,
  'packages/emulators/aci/server.ts': `import { plan } from '../../../src/runs/plan';\nexport const e = plan;`,
  'src/stager/main.ts': `import { plan } from '../runs/plan';\nexport const m = plan;`,
  'src/pipeline/a.ts': `import { b } from './b';\nexport const a = () => b;`,
  'src/pipeline/b.ts': `import { a } from './a';\nexport const b = () => a;`,
};

const expected = [
  ['app-never-imports-the-stand-ins-or-the-cli', 'src/functions/local.http.ts'],
  ['emulators-never-import-the-app', 'packages/emulators/aci/server.ts'],
  ['no-circular', 'src/pipeline/a.ts'],
  ['only-adapters-import-azure-sdks', 'src/functions/sdk.http.ts'],
  ['orchestrators-import-pure-code-only', 'src/orchestrators/value-import.orchestrator.ts'],
  ['orchestrators-reach-no-io-or-randomness', 'src/orchestrators/deep-random.orchestrator.ts'],
  ['stager-is-dependency-free', 'src/stager/main.ts'],
];

interface Violation {
  readonly rule: { readonly name: string };
  readonly from: string;
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'flotilla-layers-'));
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    writeFileSync(join(dir, file), `${text}\n`);
  }
  writeFileSync(
    join(dir, 'tsconfig.json'),
    JSON.stringify({ compilerOptions: { module: 'node16', moduleResolution: 'node16', strict: true } }),
  );
  symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'), 'dir');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const cruise = (outputType: 'json' | 'err') =>
  spawnSync(
    process.execPath,
    [
      cruiser,
      'src',
      'packages',
      '--config',
      join(root, '.dependency-cruiser.cjs'),
      '--preserve-symlinks',
      '--output-type',
      outputType,
    ],
    { cwd: dir, encoding: 'utf8', timeout: 60_000 },
  );

it('reports each layer rule on its deliberately bad import, and nothing on the clean files', () => {
  const result = cruise('json');
  expect(result.stderr).toBe('');
  const report = JSON.parse(result.stdout) as { summary: { violations: Violation[] } };
  const found = report.summary.violations.map((v) => [v.rule.name, v.from]).sort();
  expect(found).toEqual(expected);
});

it('fails the command (as `npm run layers` in CI) when a rule is broken', () => {
  const result = cruise('err');
  expect(result.stdout).toContain('only-adapters-import-azure-sdks');
  expect(result.status).toBe(expected.length);
});
