import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { runInNewContext } from 'node:vm';

/**
 * The serialization mappers of the two compute SDKs, as plain data. AutoRest generates them from the same
 * OpenAPI files the services publish, so they are the closest thing to the specs that ships in node_modules.
 *
 * - `@azure/batch` exports its mappers (`BatchServiceMappers`).
 * - `@azure/arm-containerinstance` bundles them privately into its CommonJS build; its ES module build has a
 *   dependency-free `models/mappers.js` (only `export const X = {...}` statements), which we evaluate in an
 *   empty VM context.
 */
export interface SdkMapperType {
  readonly name: string;
  readonly className?: string;
  readonly modelProperties?: Readonly<Record<string, SdkMapper>>;
  readonly element?: SdkMapper;
  readonly value?: SdkMapper;
  readonly allowedValues?: readonly unknown[];
}

export interface SdkMapper {
  readonly serializedName?: string;
  readonly required?: boolean;
  readonly readOnly?: boolean;
  readonly nullable?: boolean;
  readonly isConstant?: boolean;
  readonly defaultValue?: unknown;
  readonly constraints?: Readonly<Record<string, unknown>>;
  readonly type: SdkMapperType;
}

export type MapperSet = Readonly<Record<string, SdkMapper>>;

let aciCache: MapperSet | undefined;
let batchCache: MapperSet | undefined;

/** Mappers of @azure/arm-containerinstance (api-version 2023-05-01), keyed by export name. */
export function aciMappers(): MapperSet {
  if (aciCache) return aciCache;
  const file = join(
    dirname(require.resolve('@azure/arm-containerinstance')),
    '..',
    'dist-esm',
    'src',
    'models',
    'mappers.js',
  );
  const source = readFileSync(file, 'utf8');
  if (/^\s*import\s/m.test(source)) {
    throw new Error(`${file} now imports other modules; update emulators/common/sdk-mappers.ts`);
  }
  const commonJs = source.replace(/^export const (\w+) =/gm, 'const $1 = exports.$1 =');
  const sandbox = { exports: {} as Record<string, SdkMapper>, Object };
  runInNewContext(commonJs, sandbox, { filename: file });
  if (!sandbox.exports.ContainerGroup) throw new Error(`${file} has no ContainerGroup mapper`);
  aciCache = sandbox.exports;
  return aciCache;
}

/** Mappers of @azure/batch (api-version 2022-10-01.16.0), keyed by export name. */
export function batchMappers(): MapperSet {
  if (batchCache) return batchCache;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const batch = require('@azure/batch') as { BatchServiceMappers: MapperSet };
  batchCache = batch.BatchServiceMappers;
  return batchCache;
}
