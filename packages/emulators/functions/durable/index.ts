/** The embedded Durable engine: `createDurableEngine` is what the host calls (see ../contracts.ts). */
import type { CreateDurableEngine, DurableEngineOptions } from '../contracts';
import { DurableEngine, type EngineExtras } from './engine';

export const createDurableEngine: CreateDurableEngine = (options: DurableEngineOptions) =>
  new DurableEngine(options);

/** Same as `createDurableEngine`, with engine-only settings (long-timer durations, fsync). */
export function createDurableEngineWith(options: DurableEngineOptions, extras: EngineExtras): DurableEngine {
  return new DurableEngine(options, extras);
}

export { DurableEngine } from './engine';
export type { EngineExtras, StartResult } from './engine';
export { DEFAULT_TIMER_SETTINGS, type TimerSettings } from './timing';
