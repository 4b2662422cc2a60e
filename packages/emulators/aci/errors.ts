/** An ARM `CloudError` answer: `{ "error": { code, message, details? } }` with an HTTP status. */
export class ArmError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: readonly { code: string; message: string; target?: string }[],
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
  }

  body(): { error: { code: string; message: string; details?: unknown } } {
    return {
      error: { code: this.code, message: this.message, ...(this.details ? { details: this.details } : {}) },
    };
  }
}

export const notFound = (rg: string, name: string): ArmError =>
  new ArmError(
    404,
    'ResourceNotFound',
    `The Resource 'Microsoft.ContainerInstance/containerGroups/${name}' under resource group '${rg}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix`,
    undefined,
    { 'x-ms-failure-cause': 'gateway' },
  );

export const transitioning = (name: string): ArmError =>
  new ArmError(
    409,
    'ContainerGroupTransitioning',
    `The container group '${name}' is still transitioning, please retry later.`,
  );

export const quotaReached = (
  quota: string,
  location: string,
  limit: number,
  usage: number,
  requested: number,
): ArmError =>
  new ArmError(
    400,
    'ContainerGroupQuotaReached',
    `Resource type 'Microsoft.ContainerInstance/containerGroups' container group quota '${quota}' exceeded in region '${location}'. Limit: '${limit}', Usage: '${usage}' Requested: '${requested}'.`,
  );

export const inaccessibleImage = (image: string, group: string): ArmError =>
  new ArmError(
    400,
    'InaccessibleImage',
    `The image '${image}' in container group '${group}' is not accessible. Please check the image and registry credential.`,
  );

export const registryError = (server: string): ArmError =>
  new ArmError(
    409,
    'RegistryErrorResponse',
    `An error response is received from the docker registry '${server}'. Please retry later.`,
  );

export const invalidContent = (details: readonly string[]): ArmError =>
  new ArmError(
    400,
    'InvalidRequestContent',
    `The request content was invalid and could not be deserialized: ${details[0] ?? 'invalid body'}${details.length > 1 ? ` (and ${details.length - 1} more)` : ''}`,
    details.map((message) => ({ code: 'InvalidRequestContent', message, target: message.split(':')[0] })),
  );
