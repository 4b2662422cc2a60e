/**
 * Makes `require('@azure/functions-core')` resolve to the host's shim in plain Node, as the worker does
 * (azure-functions-nodejs-worker `src/setupCoreModule.ts`). Under Jest, `moduleNameMapper` does the same job
 * (Jest's module registry bypasses `Module.prototype.require`). Idempotent.
 */
import Module from 'node:module';
import * as functionsCore from './functions-core';

const INSTALLED = Symbol.for('flotilla.functions-core.installed');

export function installCoreModule(): void {
  const proto = Module.prototype as unknown as Record<symbol, unknown> & { require: NodeJS.Require };
  if (proto[INSTALLED]) return;
  proto.require = new Proxy(proto.require, {
    apply(target, thisArg, args: unknown[]) {
      if (args[0] === '@azure/functions-core') return functionsCore;
      return Reflect.apply(target, thisArg, args) as unknown;
    },
  });
  proto[INSTALLED] = true;
}
