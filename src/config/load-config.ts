import { type SettingName, type Settings, settingDocs, settingsSchema } from './settings';

export type Config = Readonly<Settings>;

/** A setting that is missing or malformed, named so an operator can fix it without reading code. */
export interface SettingProblem {
  readonly setting: string;
  readonly message: string;
}

export class ConfigError extends Error {
  readonly code = 'CONFIG_INVALID';
  constructor(readonly problems: readonly SettingProblem[]) {
    super(
      `flotilla: ${problems.length} setting${problems.length === 1 ? ' is' : 's are'} missing or invalid:\n` +
        problems.map((p) => `  - ${p.setting}: ${p.message}`).join('\n'),
    );
    this.name = 'ConfigError';
  }
}

/**
 * Parses the environment once into a frozen, typed config. Every problem is reported at once, by name.
 * Empty strings count as unset, as they do in App Service application settings.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const input: Record<string, string> = {};
  for (const key of Object.keys(settingsSchema.shape) as SettingName[]) {
    const value = env[key];
    if (value !== undefined && value.trim() !== '') input[key] = value.trim();
  }
  const parsed = settingsSchema.safeParse(input);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      const setting = String(issue.path[0] ?? '(settings)');
      const doc = settingDocs[setting as SettingName];
      const message =
        input[setting] === undefined
          ? `required but not set. ${doc ? doc.description : ''}`.trim()
          : `${issue.message} (got ${doc?.secret ? 'a value that is not shown' : JSON.stringify(input[setting])})`;
      return { setting, message };
    });
    throw new ConfigError(problems);
  }
  return Object.freeze(parsed.data);
}

/**
 * One setting, for the few values a trigger binding needs at registration (a timer schedule, a blob path),
 * before the whole config is needed: the default applies when unset, a bad value throws a ConfigError.
 */
export function loadSetting<K extends SettingName>(
  name: K,
  env: NodeJS.ProcessEnv = process.env,
): Settings[K] {
  const raw = env[name]?.trim();
  const parsed = settingsSchema.shape[name].safeParse(raw === '' ? undefined : raw);
  if (!parsed.success) {
    const message =
      raw === undefined ? 'required but not set' : (parsed.error.issues[0]?.message ?? 'invalid');
    throw new ConfigError([{ setting: name, message }]);
  }
  return parsed.data as Settings[K];
}
