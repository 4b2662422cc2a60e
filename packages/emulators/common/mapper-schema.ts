import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { type JsonSchema, mapperDefinitions } from './mapper-to-json-schema';
import { aciMappers, batchMappers, type MapperSet } from './sdk-mappers';

/**
 * Request-body validation for the ACI and Batch emulators, against JSON Schemas derived from the SDK mappers
 * (see mapper-to-json-schema.ts; no OpenAPI files are vendored).
 *
 * Unknown properties:
 * - Batch rejects them at every level (its OData deserializer answers 400 for a property the entity type
 *   does not have), so Batch validators report every unknown property, read-only ones included.
 * - ARM resource providers ignore properties they do not know, and ignore read-only ones on PUT, so ACI
 *   validators accept both. Pass `{ unknownProperties: 'reject' }` to be stricter.
 * Enums are matched case-insensitively for both services, as the SDK serializers do; ARM's extensible
 * (`modelAsString`) enums are plain strings in the mappers and accept any string.
 */
export interface ValidationIssue {
  /** Where in the body, e.g. `properties.containers[0].properties.image`; `(body)` for the body itself. */
  readonly path: string;
  readonly message: string;
}

export type ValidationResult =
  { readonly ok: true } | { readonly ok: false; readonly errors: readonly ValidationIssue[] };

export interface ValidateOptions {
  /** `request` (default) leaves read-only properties out; `response` checks an emulator's own answers. */
  readonly direction?: 'request' | 'response';
  /** Default: `reject` for Batch requests, `allow` for ACI and for responses. */
  readonly unknownProperties?: 'allow' | 'reject';
}

/** Body models the emulators validate most; any Composite mapper name of the SDK is accepted. */
export type AciBodyModel = 'ContainerGroup' | 'Resource' | 'ContainerExecRequest' | (string & {});
export type BatchBodyModel =
  | 'TaskAddParameter'
  | 'TaskAddCollectionParameter'
  | 'JobAddParameter'
  | 'JobTerminateParameter'
  | 'JobPatchParameter'
  | 'PoolAddParameter'
  | 'TaskUpdateParameter'
  | (string & {});

export function validateAciBody(
  model: AciBodyModel,
  body: unknown,
  options: ValidateOptions = {},
): ValidationResult {
  return run(validatorFor('aci', model, options), body);
}

export function validateBatchBody(
  model: BatchBodyModel,
  body: unknown,
  options: ValidateOptions = {},
): ValidationResult {
  return run(validatorFor('batch', model, options), body);
}

/** The generated JSON Schema (with all definitions), for documentation and debugging. */
export function bodyJsonSchema(
  service: 'aci' | 'batch',
  model: string,
  options: ValidateOptions = {},
): JsonSchema {
  const set = schemaSet(service, options);
  if (!set.definitions[model]) throw unknownModel(service, model, set);
  return { $ref: `#/definitions/${model}`, definitions: set.definitions };
}

/** Formats issues as one line each, `path: message`, for error bodies. */
export function formatIssues(errors: readonly ValidationIssue[]): string {
  return errors.map((e) => `${e.path}: ${e.message}`).join('\n');
}

interface SchemaSet {
  readonly id: string;
  readonly ajv: Ajv;
  readonly definitions: Record<string, JsonSchema>;
  readonly validators: Map<string, ValidateFunction>;
}

const sets = new Map<string, SchemaSet>();

function schemaSet(service: 'aci' | 'batch', options: ValidateOptions): SchemaSet {
  const direction = options.direction ?? 'request';
  const unknown =
    options.unknownProperties ?? (service === 'batch' && direction === 'request' ? 'reject' : 'allow');
  const id = `${service}-${direction}-${unknown}`;
  let set = sets.get(id);
  if (!set) {
    const mappers: MapperSet = service === 'aci' ? aciMappers() : batchMappers();
    const definitions = mapperDefinitions(mappers, {
      direction,
      additionalProperties: unknown === 'allow',
    });
    const ajv = createAjv();
    ajv.addSchema({ $id: id, definitions });
    set = { id, ajv, definitions, validators: new Map() };
    sets.set(id, set);
  }
  return set;
}

function validatorFor(service: 'aci' | 'batch', model: string, options: ValidateOptions): ValidateFunction {
  const set = schemaSet(service, options);
  let validate = set.validators.get(model);
  if (!validate) {
    if (!set.definitions[model]) throw unknownModel(service, model, set);
    validate = set.ajv.getSchema(`${set.id}#/definitions/${model}`);
    if (!validate) throw new Error(`mapper-schema: could not compile ${service} model ${model}`);
    set.validators.set(model, validate);
  }
  return validate;
}

function unknownModel(service: string, model: string, set: SchemaSet): Error {
  const wanted = model.toLowerCase();
  const names = Object.keys(set.definitions);
  const near = [
    ...names.filter((name) => name.toLowerCase().includes(wanted)),
    ...names.filter((name) => name.toLowerCase().startsWith(wanted.slice(0, 4))),
  ]
    .filter((name, i, all) => all.indexOf(name) === i)
    .slice(0, 8);
  return new Error(
    `mapper-schema: ${service} has no model named ${JSON.stringify(model)}` +
      (near.length ? `; similar: ${near.join(', ')}` : ''),
  );
}

function run(validate: ValidateFunction, body: unknown): ValidationResult {
  if (validate(body)) return { ok: true };
  return { ok: false, errors: toIssues(validate.errors ?? []) };
}

/** ISO 8601 duration as Batch accepts it (e.g. PT1H, P1D, P10675199DT2H48M5.4775807S). */
const DURATION = /^-?P(?!$)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?$/;

function createAjv(): Ajv {
  const ajv = new Ajv({ allErrors: true, strict: false, verbose: true });
  addFormats(ajv);
  ajv.addFormat('iso8601-duration', DURATION);
  ajv.addFormat('date-time-rfc1123', (s: string) => !Number.isNaN(Date.parse(s)));
  ajv.addKeyword({
    keyword: 'enumCaseInsensitive',
    type: 'string',
    schemaType: 'array',
    validate: (allowed: string[], data: string) =>
      allowed.some((value) => value.toLowerCase() === data.toLowerCase()),
  });
  return ajv;
}

function toIssues(errors: readonly ErrorObject[]): ValidationIssue[] {
  const issues: { path: string; message: string }[] = [];
  const seen = new Set<string>();
  for (const error of errors) {
    const issue = toIssue(error);
    if (!issue) continue;
    if (!issue.path) issue.path = '(body)';
    const key = `${issue.path}\n${issue.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    issues.push(issue);
  }
  return issues;
}

function toIssue(error: ErrorObject): { path: string; message: string } | undefined {
  const at = pointerToPath(error.instancePath);
  const model = (error.parentSchema as { title?: string } | undefined)?.title;
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'required':
      return {
        path: join(at, String(params.missingProperty)),
        message: `is required${model ? ` by ${model}` : ''}`,
      };
    case 'additionalProperties': {
      const known = Object.keys((error.parentSchema as { properties?: object }).properties ?? {});
      return {
        path: join(at, String(params.additionalProperty)),
        message: `is not a property of ${model ?? 'this object'}; allowed: ${known.join(', ')}`,
      };
    }
    case 'format':
      return { path: at, message: formatMessage(String(params.format), error.data) };
    case 'enumCaseInsensitive':
      return {
        path: at,
        message: `must be one of ${(error.schema as string[]).join(', ')} (case-insensitive), got ${quote(error.data)}`,
      };
    case 'type':
      return { path: at, message: `must be ${String(params.type)}, got ${typeName(error.data)}` };
    case 'anyOf':
      // The nullable wrapper: the branch errors already say what was wrong.
      return undefined;
    default:
      return { path: at, message: error.message ?? `failed ${error.keyword}` };
  }
}

function formatMessage(format: string, data: unknown): string {
  switch (format) {
    case 'iso8601-duration':
      return `must be an ISO 8601 duration such as PT30M, PT1H or P1D, got ${quote(data)}`;
    case 'date-time':
      return `must be an RFC 3339 date-time such as 2026-01-01T00:00:00Z, got ${quote(data)}`;
    case 'uuid':
      return `must be a UUID, got ${quote(data)}`;
    default:
      return `must match format ${format}, got ${quote(data)}`;
  }
}

/** Values are echoed only for enum and format errors (never secrets), and shortened. */
function quote(data: unknown): string {
  const text = JSON.stringify(data) ?? String(data);
  return text.length > 64 ? `${text.slice(0, 61)}...` : text;
}

function typeName(data: unknown): string {
  if (data === null) return 'null';
  if (Array.isArray(data)) return 'array';
  return typeof data;
}

function pointerToPath(pointer: string): string {
  if (!pointer) return '';
  let path = '';
  for (const raw of pointer.slice(1).split('/')) {
    const segment = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    path = /^\d+$/.test(segment) ? `${path}[${segment}]` : join(path, segment);
  }
  return path;
}

function join(parent: string, key: string): string {
  const safe = /^[A-Za-z_$][\w$]*$/.test(key) ? key : JSON.stringify(key);
  if (!parent) return safe;
  return /^[A-Za-z_$]/.test(safe) ? `${parent}.${safe}` : `${parent}[${safe}]`;
}
