/**
 * The pipeline spec: parsing, validation, normalisation, the step graph, durations and limits. All
 * pure except loadPipelineFile (./load-file, reads a file; it performs no I/O when merely imported).
 */
export { parsePipeline, sortErrors, type ParseOptions } from './parse';
export { loadPipelineFile, PipelineFileError } from './load-file';
export { pipelineJsonSchema, pipelineJsonSchemaText } from './json-schema';
export {
  CycleError,
  dependentsOf,
  findCycles,
  leafSteps,
  rootSteps,
  topologicalLevels,
  topologicalOrder,
  type GraphNode,
} from './graph';
export { formatDuration, parseDuration, DURATION_PATTERN } from './duration';
export { formatSecretRef, parseSecretRef } from './secret-ref';
export { shellQuote, toArgv, toShellLine } from './command';
export * from './limits';
export { CONTAINER_PATHS, IMAGE_PLACEHOLDER, stepInputs, type StepInput } from './contract';
export type * from './types';
