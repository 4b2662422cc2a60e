/** Types of scripts/images/engine.js (plain Node, run without a build step). */
export const INSTALL_HINT: string;
export const FALLBACK_ULIMITS: string;
export interface EngineSettings {
  engine: 'podman' | 'docker';
  runtime: string | undefined;
  ulimits: string | undefined;
  storageDriver: string | undefined;
}
export function engineSettings(env?: Record<string, string | undefined>): EngineSettings;
export function runEngine(
  engine: string,
  args: readonly string[],
  options?: { input?: string | Buffer; timeoutMs?: number },
): { code: number; stdout: string; stderr: string; error: Error | undefined };
export function requireEngine(engine: string): string;
export function globalArgs(settings: EngineSettings): string[];
export function detectRunFlags(
  image: string,
  env?: Record<string, string | undefined>,
): { engine: string; global: string[]; run: string[]; tried: string[] };
export function imageExists(engine: string, global: readonly string[], image: string): boolean;
