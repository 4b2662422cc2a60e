/** The JSON Schema for editors, generated from the same shape the validator uses. */
import type { SchemaContext } from './shape';
import { pipelineShape } from './spec-shape';

export function pipelineJsonSchema(): Record<string, unknown> {
  const ctx: SchemaContext = { definitions: {} };
  const root = pipelineShape.toJsonSchema(ctx);
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    title: 'flotilla pipeline',
    ...root,
    definitions: Object.fromEntries(Object.entries(ctx.definitions).sort(([a], [b]) => a.localeCompare(b))),
  };
}

/** The committed file's exact text (2-space JSON and a final newline, as Prettier leaves it). */
export function pipelineJsonSchemaText(): string {
  return `${JSON.stringify(pipelineJsonSchema(), null, 2)}\n`;
}
