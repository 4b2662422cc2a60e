import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, loadConfig, loadSetting, settingDocs, settingsSchema } from '../../src/config';

const root = join(__dirname, '../..');
const valid = {
  FLOTILLA_STORAGE_BLOB_URL: 'https://acct.blob.core.windows.net',
  FLOTILLA_SUBSCRIPTION_ID: 'sub-1',
  FLOTILLA_RESOURCE_GROUP: 'rg-1',
  FLOTILLA_LOCATION: 'westeurope',
  FLOTILLA_CALLBACK_BASE_URL: 'https://flotilla.azurewebsites.net',
  FLOTILLA_CALLBACK_SECRET: 'x'.repeat(40),
  FLOTILLA_STAGER_IMAGE: 'flotilla.azurecr.io/flotilla-stager:0.1.0',
};

function problemsOf(env: Record<string, string>) {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  throw new Error('expected loadConfig to throw');
}

describe('loadConfig', () => {
  it('returns a frozen, typed config with defaults applied', () => {
    const config = loadConfig(valid);
    expect(Object.isFrozen(config)).toBe(true);
    expect(config.FLOTILLA_TASK_HUB).toBe('flotilla');
    expect(config.FLOTILLA_ACI_CREATES_PER_5_MIN).toBe(100);
    expect(config.FLOTILLA_PRICE_BATCH_NODE_HOUR).toBeCloseTo(0.9);
    expect(config.FLOTILLA_ARM_ENDPOINT).toBe('https://management.azure.com');
  });

  it('coerces numbers from strings and trims values', () => {
    const config = loadConfig({ ...valid, FLOTILLA_ACI_CREATES_PER_HOUR: ' 42 ' });
    expect(config.FLOTILLA_ACI_CREATES_PER_HOUR).toBe(42);
  });

  it('reports every missing setting at once, by name', () => {
    const problems = problemsOf({});
    expect(problems.map((p) => p.setting).sort()).toEqual(
      [
        'FLOTILLA_CALLBACK_BASE_URL',
        'FLOTILLA_CALLBACK_SECRET',
        'FLOTILLA_LOCATION',
        'FLOTILLA_RESOURCE_GROUP',
        'FLOTILLA_STAGER_IMAGE',
        'FLOTILLA_STORAGE_BLOB_URL',
        'FLOTILLA_SUBSCRIPTION_ID',
      ].sort(),
    );
    for (const problem of problems) expect(problem.message).toMatch(/^required but not set/);
  });

  it('treats empty strings as unset', () => {
    const problems = problemsOf({ ...valid, FLOTILLA_LOCATION: '  ' });
    expect(problems).toEqual([{ setting: 'FLOTILLA_LOCATION', message: expect.stringMatching(/^required/) }]);
  });

  it('names bad values with what is expected, and never echoes a secret', () => {
    const problems = problemsOf({
      ...valid,
      FLOTILLA_STORAGE_BLOB_URL: 'not a url',
      FLOTILLA_ACI_CORE_QUOTA: '-3',
      FLOTILLA_LOG_LEVEL: 'loud',
      FLOTILLA_CALLBACK_SECRET: 'short-secret',
    });
    const bySetting = Object.fromEntries(problems.map((p) => [p.setting, p.message]));
    expect(bySetting.FLOTILLA_STORAGE_BLOB_URL).toMatch(/expected an absolute http\(s\) URL.*"not a url"/);
    expect(bySetting.FLOTILLA_ACI_CORE_QUOTA).toMatch(/greater than 0/);
    expect(bySetting.FLOTILLA_LOG_LEVEL).toMatch(/debug.*info.*warn.*error|expected one of/);
    expect(bySetting.FLOTILLA_CALLBACK_SECRET).toMatch(/at least 32 characters/);
    expect(JSON.stringify(problems)).not.toContain('short-secret');
  });

  it('message lists every problem for the operator', () => {
    const error = (() => {
      try {
        loadConfig({ FLOTILLA_LOCATION: 'x' });
      } catch (e) {
        return e as Error;
      }
      return undefined;
    })();
    expect(error?.message).toMatch(/6 settings are missing or invalid/);
    expect(error?.message).toContain('FLOTILLA_STORAGE_BLOB_URL');
  });
});

describe('settings documentation stays in sync', () => {
  const names = Object.keys(settingsSchema.shape).sort();

  it('documents every setting', () => {
    expect(Object.keys(settingDocs).sort()).toEqual(names);
  });

  it('local.settings.sample.json carries every setting', () => {
    const sample = JSON.parse(readFileSync(join(root, 'local.settings.sample.json'), 'utf8')) as {
      Values: Record<string, string>;
    };
    for (const name of names) expect(sample.Values).toHaveProperty(name);
  });

  it('the README describes every setting', () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    for (const name of names) expect(readme).toContain(`\`${name}\``);
  });
});

describe('loadSetting', () => {
  it('applies the default when unset and parses a given value', () => {
    expect(loadSetting('FLOTILLA_SWEEP_SCHEDULE', {})).toBe('0 */5 * * * *');
    expect(loadSetting('FLOTILLA_ACI_CORE_QUOTA', { FLOTILLA_ACI_CORE_QUOTA: '12' })).toBe(12);
  });

  it('names a bad value', () => {
    expect(() => loadSetting('FLOTILLA_ACI_CORE_QUOTA', { FLOTILLA_ACI_CORE_QUOTA: 'many' })).toThrow(
      /FLOTILLA_ACI_CORE_QUOTA: expected a whole number/,
    );
    expect(() => loadSetting('FLOTILLA_LOCATION', {})).toThrow(/FLOTILLA_LOCATION: required but not set/);
  });
});
