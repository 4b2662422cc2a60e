/** The embedded Functions host: public API for tests, the CLI and the stack. */
export { loadApp, type LoadedApp } from './loader';
export { Invoker, type InvokerOptions, type HostLog } from './invoker';
export { installCoreModule } from './install-core';
export { AppConfigError, type AppConfig, type HostSettings } from './app-config';
export type * from './contracts';
export { startHost, Host, type StartHostOptions } from './host';
export type { FunctionInfo, HttpCall, InvocationRecord } from './host-helpers';
export type { HostKeys } from './keys';
export { parseSchedule, ScheduleError, type Schedule } from './triggers/ncrontab';
export { compileRoute, RouteTemplateError } from './routes';
