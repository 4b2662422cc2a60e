import type { MapperSet, SdkMapper } from './sdk-mappers';

/**
 * Converts AutoRest serialization mappers into JSON Schema (draft-07, for ajv) describing the WIRE shape:
 * `serializedName` keys, with ARM's flattened `properties.x` names re-nested under `properties`.
 *
 * Type mapping: Composite -> object ($ref to `#/definitions/<className>`), Sequence -> array,
 * Dictionary -> object with additionalProperties, String/Uuid/DateTime/TimeSpan/... -> string with a format,
 * Number -> number, Boolean -> boolean, Enum -> string matched case-insensitively (as both SDKs do),
 * `isConstant` -> that value, case-insensitively; any/Object -> anything. Mapper `constraints`
 * (MaxLength, Pattern, InclusiveMaximum, MaxItems, ...) become the matching JSON Schema keywords.
 */
export type JsonSchema = { [key: string]: unknown };

export interface ConvertOptions {
  /** `request`: read-only properties are left out of the schema (see `additionalProperties`). */
  readonly direction: 'request' | 'response';
  /** Whether objects accept properties the mapper does not know. */
  readonly additionalProperties: boolean;
}

/** The `definitions` block for every Composite mapper in the set, keyed by className. */
export function mapperDefinitions(mappers: MapperSet, options: ConvertOptions): Record<string, JsonSchema> {
  const definitions: Record<string, JsonSchema> = {};
  for (const mapper of Object.values(mappers)) {
    const className = mapper?.type?.className;
    if (mapper?.type?.name !== 'Composite' || !className || definitions[className]) continue;
    if (!mapper.type.modelProperties) continue;
    definitions[className] = compositeSchema(className, mapper, options);
  }
  return definitions;
}

interface ObjectNode {
  properties: Record<string, JsonSchema>;
  required: string[];
  children: Map<string, ObjectNode>;
}

function compositeSchema(className: string, mapper: SdkMapper, options: ConvertOptions): JsonSchema {
  const root: ObjectNode = { properties: {}, required: [], children: new Map() };
  for (const [key, property] of Object.entries(mapper.type.modelProperties ?? {})) {
    if (options.direction === 'request' && property.readOnly) continue;
    const path = splitSerializedName(property.serializedName || key);
    const leaf = path.pop() as string;
    let node = root;
    for (const segment of path) {
      let child = node.children.get(segment);
      if (!child) {
        child = { properties: {}, required: [], children: new Map() };
        node.children.set(segment, child);
      }
      // A required flattened property makes its envelope (`properties`) required too.
      if (property.required && !node.required.includes(segment)) node.required.push(segment);
      node = child;
    }
    node.properties[leaf] = propertySchema(property);
    if (property.required) node.required.push(leaf);
  }
  return objectSchema(className, root, options);
}

/** Envelopes (`properties`) carry the model's title too, so errors inside them name the model. */
function objectSchema(title: string, node: ObjectNode, options: ConvertOptions): JsonSchema {
  const properties: Record<string, JsonSchema> = { ...node.properties };
  for (const [name, child] of node.children) properties[name] = objectSchema(title, child, options);
  const schema: JsonSchema = { title, type: 'object', properties };
  if (node.required.length) schema.required = node.required;
  if (!options.additionalProperties) schema.additionalProperties = false;
  return schema;
}

/** Splits `properties.osType` into segments; `odata\.nextLink` stays one key. */
export function splitSerializedName(name: string): string[] {
  return name.split(/(?<!\\)\./).map((part) => part.replace(/\\\./g, '.'));
}

function propertySchema(mapper: SdkMapper): JsonSchema {
  let schema = typeSchema(mapper);
  if (mapper.isConstant && typeof mapper.defaultValue === 'string') {
    schema = { type: 'string', enumCaseInsensitive: [mapper.defaultValue] };
  }
  Object.assign(schema, constraintKeywords(mapper.constraints));
  if (mapper.nullable) schema = { anyOf: [schema, { type: 'null' }] };
  return schema;
}

function typeSchema(mapper: SdkMapper): JsonSchema {
  const type = mapper.type;
  switch (type.name) {
    case 'Composite':
      return type.className ? { $ref: `#/definitions/${type.className}` } : { type: 'object' };
    case 'Sequence':
      return { type: 'array', items: type.element ? propertySchema(type.element) : {} };
    case 'Dictionary':
      return { type: 'object', additionalProperties: type.value ? propertySchema(type.value) : {} };
    case 'String':
      return { type: 'string' };
    case 'Uuid':
      return { type: 'string', format: 'uuid' };
    case 'DateTime':
      return { type: 'string', format: 'date-time' };
    case 'DateTimeRfc1123':
      return { type: 'string', format: 'date-time-rfc1123' };
    case 'Date':
      return { type: 'string', format: 'date' };
    case 'TimeSpan':
      return { type: 'string', format: 'iso8601-duration' };
    case 'ByteArray':
    case 'Base64Url':
      return { type: 'string' };
    case 'Number':
    case 'UnixTime':
      return { type: 'number' };
    case 'Boolean':
      return { type: 'boolean' };
    case 'Enum':
      return { type: 'string', enumCaseInsensitive: (type.allowedValues ?? []).map(String) };
    default:
      // any, Object, Stream: the mapper does not constrain the value.
      return {};
  }
}

const CONSTRAINTS: Readonly<Record<string, string>> = {
  MaxLength: 'maxLength',
  MinLength: 'minLength',
  Pattern: 'pattern',
  InclusiveMaximum: 'maximum',
  InclusiveMinimum: 'minimum',
  ExclusiveMaximum: 'exclusiveMaximum',
  ExclusiveMinimum: 'exclusiveMinimum',
  MaxItems: 'maxItems',
  MinItems: 'minItems',
  UniqueItems: 'uniqueItems',
  MultipleOf: 'multipleOf',
};

function constraintKeywords(constraints: SdkMapper['constraints']): JsonSchema {
  const keywords: JsonSchema = {};
  for (const [name, value] of Object.entries(constraints ?? {})) {
    const keyword = CONSTRAINTS[name];
    if (!keyword) continue;
    keywords[keyword] = isRegExp(value) ? value.source : value;
  }
  return keywords;
}

/** Mappers evaluated in a VM context carry RegExps from another realm, so `instanceof` is not enough. */
function isRegExp(value: unknown): value is RegExp {
  return Object.prototype.toString.call(value) === '[object RegExp]';
}
