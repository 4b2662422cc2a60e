import { spawnSync } from 'node:child_process';
import { copyFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

// ESLint loads its flat config with a dynamic import, which Jest's VM does not allow,
// so the test runs the same CLI that `npm run lint` runs.
const root = join(__dirname, '../..');
const eslintBin = join(root, 'node_modules/eslint/bin/eslint.js');

function eslint(args: string[]): string {
  const result = spawnSync(process.execPath, [eslintBin, ...args], { cwd: root, encoding: 'utf8' });
  if (result.status === 2 || result.error) throw new Error(`eslint crashed: ${result.stderr}`);
  return result.stdout;
}

describe('the orchestrator lint override', () => {
  it('rejects clocks, randomness, timers, process, fetch, Node built-ins and Azure SDKs', () => {
    // The override matches by path, so the fixture is linted from inside src/orchestrators.
    const target = join(root, 'src/orchestrators', `__lint_fixture_${process.pid}__.ts`);
    copyFileSync(join(root, 'tests/fixtures/lint/bad.orchestrator.ts'), target);
    let output: string;
    try {
      output = eslint(['--format', 'json', target]);
    } finally {
      rmSync(target, { force: true });
    }
    const [result] = JSON.parse(output) as { messages: { ruleId: string | null; message: string }[] }[];
    const found = (result?.messages ?? []).map((m) => `${m.ruleId}: ${m.message}`);
    const expectations: [string, RegExp][] = [
      ['no-restricted-properties', /Date\.now\(\) is not replay-safe/],
      ['no-restricted-syntax', /new Date\(\) is not replay-safe/],
      ['no-restricted-properties', /Math\.random\(\) is not replay-safe/],
      ['no-restricted-globals', /setTimeout is not replay-safe/],
      ['no-restricted-globals', /process is not replay-safe/],
      ['no-restricted-globals', /fetch is not replay-safe/],
      ['@typescript-eslint/no-restricted-imports', /Node built-ins are not allowed/],
      ['@typescript-eslint/no-restricted-imports', /Azure SDKs are not allowed/],
    ];
    const missing = expectations.filter(
      ([rule, pattern]) => !found.some((f) => f.startsWith(`${rule}:`) && pattern.test(f)),
    );
    expect(missing.map(([rule, pattern]) => `${rule} ${pattern}`)).toEqual([]);
  });

  it('does not apply outside src/orchestrators', () => {
    const config = JSON.parse(eslint(['--print-config', join(root, 'src/activities/example.ts')])) as {
      rules: Record<string, unknown>;
    };
    expect(config.rules['no-restricted-properties']).toBeUndefined();
    expect(config.rules['@typescript-eslint/no-floating-promises']).toBeDefined();
  });
});
