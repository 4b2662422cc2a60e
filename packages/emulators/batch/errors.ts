import { randomUUID } from 'node:crypto';

export interface ErrorValue {
  readonly key: string;
  readonly value: string;
}

/** An error the emulator answers with Batch's OData error body (docs/emulators-batch.md, 'Error body'). */
export class BatchHttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly values: readonly ErrorValue[] = [],
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
  }
}

export interface ODataError {
  readonly 'odata.metadata': string;
  readonly code: string;
  readonly message: { readonly lang: 'en-US'; readonly value: string };
  readonly values?: readonly ErrorValue[];
}

export function odataError(
  baseUrl: string,
  code: string,
  message: string,
  requestId: string,
  nowMs: number,
  values: readonly ErrorValue[] = [],
): ODataError {
  return {
    'odata.metadata': `${baseUrl}/$metadata#Microsoft.Azure.Batch.Protocol.Entities.Container.errors/@Element`,
    code,
    message: {
      lang: 'en-US',
      value: `${message}\nRequestId:${requestId}\nTime:${new Date(nowMs).toISOString()}`,
    },
    ...(values.length ? { values } : {}),
  };
}

export const newRequestId = (): string => randomUUID();

/** Error helpers with Batch's codes and statuses (docs/emulators-batch.md, 'Error codes'). */
export const errors = {
  notFound: (code: string, what: string) =>
    new BatchHttpError(404, code, `The specified ${what} does not exist.`),
  conflict: (code: string, message: string) => new BatchHttpError(409, code, message),
  invalidProperty: (path: string, reason: string) =>
    new BatchHttpError(
      400,
      'InvalidPropertyValue',
      'The value provided for one of the properties in the request body is invalid.',
      [
        { key: 'PropertyName', value: path },
        { key: 'Reason', value: reason },
      ],
    ),
  missingProperty: (path: string) =>
    new BatchHttpError(
      400,
      'MissingRequiredProperty',
      'A required property was not specified in the request body.',
      [{ key: 'PropertyName', value: path }],
    ),
  invalidQuery: (name: string, value: string, reason: string) =>
    new BatchHttpError(
      400,
      'InvalidQueryParameterValue',
      'Value for one of the query parameters specified in the request URI is invalid.',
      [
        { key: 'QueryParameterName', value: name },
        { key: 'QueryParameterValue', value: value },
        { key: 'Reason', value: reason },
      ],
    ),
  conditionNotMet: (read: boolean) =>
    new BatchHttpError(
      read ? 304 : 412,
      'ConditionNotMet',
      'The condition specified using HTTP conditional header(s) is not met.',
    ),
};
