import { BatchHttpError, errors } from './errors';
import type { Json } from './model';

/**
 * What the emulator refuses instead of accepting and running differently (docs/emulators-batch.md, "Refused
 * features"): the retired Cloud Services pools, and features it does not model. Each answer is a 400 with
 * Batch's OData error body naming the property.
 */
const NOT_MODELED: Record<'pool' | 'job' | 'task', Readonly<Record<string, string>>> = {
  pool: {
    startTask: 'start tasks are not run by the emulator (it has no compute nodes)',
    applicationPackageReferences: 'application packages are not emulated',
    certificateReferences: 'certificates are not emulated (and are retired on Batch)',
    mountConfiguration: 'file system mounts are not emulated',
    userAccounts: 'pool user accounts are not emulated; tasks run as the auto user',
    applicationLicenses: 'application licenses are not emulated',
  },
  job: {
    jobManagerTask: 'job manager tasks are not emulated',
    jobPreparationTask: 'job preparation tasks are not emulated',
    jobReleaseTask: 'job release tasks are not emulated',
  },
  task: {
    multiInstanceSettings:
      'multi-instance (MPI) tasks are not emulated: the emulator runs one process per task',
    applicationPackageReferences: 'application packages are not emulated',
    authenticationTokenSettings:
      'authentication tokens (AZ_BATCH_AUTHENTICATION_TOKEN) are not issued by the emulator',
  },
};

/** 400 `FeatureNotSupported` (an emulator code) naming the property and why. */
export const featureNotSupported = (path: string, reason: string): BatchHttpError =>
  new BatchHttpError(
    400,
    'FeatureNotSupported',
    `The Batch emulator does not support '${path}': ${reason}.`,
    [
      { key: 'PropertyName', value: path },
      { key: 'Reason', value: reason },
    ],
  );

/** Throws for the first refused property of a pool, job or task body (`at`: path prefix such as `value[3].`). */
export function refuseUnsupported(kind: 'pool' | 'job' | 'task', body: Json, at = ''): void {
  for (const [key, reason] of Object.entries(NOT_MODELED[kind]))
    if (
      body[key] !== undefined &&
      body[key] !== null &&
      !(Array.isArray(body[key]) && body[key].length === 0)
    )
      throw featureNotSupported(`${at}${key}`, reason);
  if (kind === 'task') {
    const identity = body.userIdentity as { username?: unknown } | undefined;
    if (identity?.username !== undefined)
      throw featureNotSupported(
        `${at}userIdentity.username`,
        'named pool users are not emulated; use autoUser',
      );
  }
  if (kind !== 'pool') return;
  if (body.cloudServiceConfiguration !== undefined)
    throw errors.invalidProperty(
      'cloudServiceConfiguration',
      'Cloud Services Configuration pools were retired on 29 February 2024; use virtualMachineConfiguration',
    );
  if (body.virtualMachineConfiguration === undefined)
    throw errors.missingProperty('virtualMachineConfiguration');
}
