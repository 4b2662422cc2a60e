import type { FailureInfo } from './model';

/** A task's failureInfo as Batch reports it: category, code, message, and the message again as a detail. */
export const failure = (
  code: string,
  message: string,
  category: FailureInfo['category'] = 'usererror',
  details: { name: string; value: string }[] = [],
): FailureInfo => ({ category, code, message, details: [{ name: 'Message', value: message }, ...details] });
