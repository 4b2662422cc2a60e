import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { installCoreModule, loadApp } from '../../../packages/emulators/functions';
import * as functionsCore from '../../../packages/emulators/functions/functions-core';

describe('@azure/functions-core shim', () => {
  it('is one module whether reached through Jest or through the plain-Node require proxy', () => {
    installCoreModule();
    const nodeRequire = createRequire(__filename);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const viaJest: unknown = require('@azure/functions-core');
    expect(viaJest).toBe(functionsCore);
    expect(nodeRequire('@azure/functions-core')).toBe(functionsCore);
  });

  it('refuses registrations after startup', () => {
    expect(() => functionsCore.registerFunction({ name: 'late', bindings: {} }, () => undefined)).toThrow(
      'A function can only be registered during app startup.',
    );
  });
});

describe('app folder errors', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'flotilla-host-app-'));
  const write = (file: string, text: string) => writeFileSync(path.join(dir, file), text);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('names the package.json main field when it matches nothing', async () => {
    write('package.json', JSON.stringify({ main: 'dist/functions/*.js' }));
    await expect(loadApp(dir)).rejects.toThrow(/"main" \(dist\/functions\/\*\.js\) matches no files/);
  });

  it('names a bad host.json field and what is allowed', async () => {
    write('host.json', JSON.stringify({ extensions: { http: { routePrefix: 5 } } }));
    await expect(loadApp(dir)).rejects.toThrow(/host\.json: extensions\.http\.routePrefix must be a string/);
    write('host.json', JSON.stringify({ extensions: { durableTask: { hubName: '%MISSING_HUB_SETTING%' } } }));
    await expect(loadApp(dir)).rejects.toThrow(/app setting "MISSING_HUB_SETTING"/);
    write(
      'host.json',
      JSON.stringify({ extensions: { durableTask: { maxConcurrentActivityFunctions: 0 } } }),
    );
    await expect(loadApp(dir)).rejects.toThrow(/maxConcurrentActivityFunctions must be a positive integer/);
  });

  it('names a non-string local.settings.json value', async () => {
    write('host.json', '{}');
    write('local.settings.json', JSON.stringify({ Values: { PORT: 8080 } }));
    await expect(loadApp(dir)).rejects.toThrow(/Values\.PORT must be a string, got number/);
    expect(process.env.PORT).toBeUndefined();
  });
});
