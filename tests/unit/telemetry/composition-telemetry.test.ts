/**
 * The composition root's telemetry (docs/telemetry.md): nothing is exported unless
 * APPLICATIONINSIGHTS_CONNECTION_STRING is set, and FLOTILLA_LOG_LEVEL filters what the app's `log` writes.
 */
import { appDepsFromComposition, createComposition, setComposition } from '../../../src/composition';
import { ConfigError, loadConfig } from '../../../src/config';

const valid = {
  FLOTILLA_STORAGE_BLOB_URL: 'https://acct.blob.core.windows.net',
  FLOTILLA_SUBSCRIPTION_ID: 'sub-1',
  FLOTILLA_RESOURCE_GROUP: 'rg-1',
  FLOTILLA_LOCATION: 'westeurope',
  FLOTILLA_CALLBACK_BASE_URL: 'https://flotilla.azurewebsites.net',
  FLOTILLA_CALLBACK_SECRET: 'x'.repeat(40),
  FLOTILLA_STAGER_IMAGE: 'flotilla.azurecr.io/flotilla-stager:0.1.0',
};

let written: string[] = [];
let restore: (() => void) | undefined;
beforeEach(() => {
  written = [];
  const spy = jest.spyOn(console, 'log').mockImplementation((line: unknown) => {
    written.push(String(line));
  });
  restore = () => spy.mockRestore();
});
afterEach(() => {
  restore?.();
  setComposition(undefined);
});

it('sets up no exporter and no tracer without APPLICATIONINSIGHTS_CONNECTION_STRING', () => {
  setComposition(createComposition(loadConfig({ ...valid, APPLICATIONINSIGHTS_CONNECTION_STRING: ' ' })));
  const deps = appDepsFromComposition();
  expect(deps.telemetry?.tracer).toBeUndefined();
  expect(deps.activities.tracer).toBeUndefined();
  // Logs still work: JSON lines on the console only.
  deps.activities.log('sweeper could not list backend=aci', 'warn');
  expect(written.map((l) => JSON.parse(l) as unknown)).toEqual([
    expect.objectContaining({
      level: 'warn',
      message: 'sweeper could not list',
      attributes: { backend: 'aci' },
    }),
  ]);
});

it('FLOTILLA_LOG_LEVEL filters the lines of ActivityDeps.log and of the orchestrators', () => {
  setComposition(createComposition(loadConfig({ ...valid, FLOTILLA_LOG_LEVEL: 'warn' })));
  const deps = appDepsFromComposition();
  deps.activities.log('step kept for debugging runId=r-abcd');
  deps.telemetry?.logger.log('debug', 'a debug record');
  deps.activities.log('teardown tag not written runId=r-abcd', 'warn');
  deps.telemetry?.logger.log('error', 'an error record');
  expect(written.map((l) => (JSON.parse(l) as { message: string }).message)).toEqual([
    'teardown tag not written',
    'an error record',
  ]);
});

it('refuses an unknown FLOTILLA_LOG_LEVEL and a malformed connection string without echoing it', () => {
  const problems = (() => {
    try {
      loadConfig({
        ...valid,
        FLOTILLA_LOG_LEVEL: 'verbose',
        APPLICATIONINSIGHTS_CONNECTION_STRING: 'IngestionEndpoint=https://x/;not-a-key',
      });
    } catch (error) {
      return error instanceof ConfigError ? error.problems : [];
    }
    return [];
  })();
  expect(problems).toEqual([
    {
      setting: 'FLOTILLA_LOG_LEVEL',
      message: expect.stringContaining('expected debug, info, warn or error'),
    },
    {
      setting: 'APPLICATIONINSIGHTS_CONNECTION_STRING',
      message: expect.stringContaining('InstrumentationKey='),
    },
  ]);
  expect(JSON.stringify(problems)).not.toContain('not-a-key');
});
