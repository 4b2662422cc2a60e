/** The one I/O helper: read a spec file and parse it. Kept apart so the rest of src/pipeline stays pure. */
import { readFile } from 'node:fs/promises';
import { parsePipeline } from './parse';
import type { ParseResult } from './types';

export class PipelineFileError extends Error {
  readonly code = 'PIPELINE_FILE_UNREADABLE';
  constructor(
    readonly fileName: string,
    reason: string,
  ) {
    super(`cannot read ${fileName}: ${reason}`);
    this.name = 'PipelineFileError';
  }
}

/** Throws PipelineFileError when the file cannot be read; spec problems come back in the result. */
export async function loadPipelineFile(fileName: string): Promise<ParseResult> {
  let text: string;
  try {
    text = await readFile(fileName, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason =
      code === 'ENOENT'
        ? 'no such file'
        : code === 'EISDIR'
          ? 'it is a directory'
          : code === 'EACCES'
            ? 'permission denied'
            : (error as Error).message;
    throw new PipelineFileError(fileName, reason);
  }
  return parsePipeline(text, { fileName });
}
