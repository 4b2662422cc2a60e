export { type Config, ConfigError, loadConfig, loadSetting, type SettingProblem } from './load-config';
export { type SettingDoc, type SettingName, settingDocs, settingsSchema } from './settings';
