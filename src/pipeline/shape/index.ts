/**
 * A small declarative schema language: one definition both validates a parsed document (with human
 * messages, "did you mean", every problem at once) and emits the JSON Schema editors use, so the two
 * cannot drift. Semantic rules that JSON Schema cannot say (cycles, backend limits) live in checks.ts.
 */ export * from './core';
export * from './scalars';
export * from './collections';
