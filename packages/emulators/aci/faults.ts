import type { FaultKind, MatchedFault } from '../common/faults';
import { ArmError, inaccessibleImage, quotaReached, registryError } from './errors';
import { groupShape as groupShapeOf } from './rules';

/** Faults any ARM call can meet at the gateway. */
export const GATEWAY_FAULTS: readonly FaultKind[] = ['throttle', 'server-error', 'no-response', 'hang'];
/** Faults of a container group create (the resource provider's answers). */
export const CREATE_FAULTS: readonly FaultKind[] = [
  ...GATEWAY_FAULTS,
  'quota',
  'inaccessible-image',
  'registry-error',
  'slow-provisioning',
  'capacity',
];

/**
 * The ARM answer for a fault that is a plain error response (F1-F5, F9 in docs/emulators.md, 'Failure
 * catalogue').
 */
export function faultError(
  fault: MatchedFault,
  ctx: {
    subscription: string;
    group: string;
    location: string;
    image: string;
    cores: number;
    coreLimit: number;
    capacityMessage: string;
  },
): ArmError | { status: number; html: string } | undefined {
  switch (fault.kind) {
    case 'throttle': {
      const seconds = fault.retryAfterSeconds ?? 1;
      if (seconds === 0)
        return new ArmError(
          429,
          'TooManyRequests',
          `The request rate for resource type 'Microsoft.ContainerInstance/containerGroups' of subscription '${ctx.subscription}' is too high. Please retry later.`,
        );
      return new ArmError(
        429,
        'SubscriptionRequestsThrottled',
        `Number of requests for subscription '${ctx.subscription}' actor 'flotilla' on scope 'subscription' exceeded. Please try again after '${seconds}' seconds after additional tokens are available. Refer to https://aka.ms/arm-throttling`,
        undefined,
        { 'retry-after': String(seconds) },
      );
    }
    case 'server-error': {
      const status = fault.status ?? 503;
      if (status === 502)
        return {
          status,
          html: '<html><head><title>502 Bad Gateway</title></head><body>Bad Gateway</body></html>',
        };
      return status === 500
        ? new ArmError(500, 'InternalServerError', 'Encountered internal server error. Please try again.')
        : new ArmError(
            status,
            status === 503 ? 'ServiceUnavailable' : 'InternalServerError',
            'The service is temporarily unavailable. Please try again later.',
          );
    }
    case 'quota':
      return quotaReached('StandardCores', ctx.location, ctx.coreLimit, ctx.coreLimit, ctx.cores);
    case 'inaccessible-image':
      return inaccessibleImage(ctx.image, ctx.group);
    case 'registry-error':
      return registryError(registryOf(ctx.image));
    case 'capacity':
      return new ArmError(409, 'ServiceUnavailable', ctx.capacityMessage);
    default:
      return undefined;
  }
}

export function registryOf(image: string): string {
  const first = image.split('/')[0] ?? '';
  return image.includes('/') && (first.includes('.') || first.includes(':')) ? first : 'index.docker.io';
}

/** ACI's regional-capacity text (F6; docs/emulators-aci.md, 'Error catalogue'). */
export function capacityMessage(body: unknown): string {
  const b = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  const shape = groupShapeOf(b);
  const location = typeof b.location === 'string' ? b.location : 'eastus';
  const os = (b.properties as { osType?: unknown } | undefined)?.osType;
  return `The requested resource is not available in the location '${location}' at this moment. Please retry with a different resource request or in another location. Resource requested: '${shape.cores}' CPU '${shape.memoryInGB}' GB memory '${typeof os === 'string' ? os : 'Linux'}' OS`;
}
