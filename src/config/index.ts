export { type Config, ConfigError, loadConfig, type SettingProblem } from './load-config';
export { type SettingDoc, type SettingName, settingDocs, settingsSchema } from './settings';
