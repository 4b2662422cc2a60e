import type { SecretResolver } from '../secrets/secret-resolver';
import type { BlobStore } from '../storage/blob-store';
import type { ResolvedStart } from './aci/group-body';
import type { StepLaunch, StepRef } from './port';

/**
 * Everything secret a start needs, made inside the activity at start time and handed straight to the
 * service: SAS URLs (read per input; for outputs an upload grant on ACI, none on Batch, whose task writes to
 * its staging container; all expiring with the step's timeout plus a margin), the signed callback URL and resolved secret
 * references. Never returned.
 */
/** The URL the stage-out sidecar POSTs `{ exitCode }` to; valid until the step's deadline plus a margin. */
export type CallbackUrlFactory = (
  ref: StepRef & Pick<StepLaunch, 'callbackInstance'>,
  timeoutMs: number,
) => string;

/**
 * The app's upload endpoint for one attempt's outputs (`POST /api/step-uploads/{grant}`): the stage-out sidecar
 * trades it for create-only SAS URLs of single blobs under `prefix` (docs/security.md, "Output uploads").
 */
export type UploadUrlFactory = (container: string, prefix: string, timeoutMs: number) => string;

export interface StartResolverDeps {
  readonly store: BlobStore;
  readonly secrets: SecretResolver;
  readonly callbackUrl: CallbackUrlFactory;
  /** When set, outputs leave through upload grants and no output container SAS is made (ACI). */
  readonly uploadUrl?: UploadUrlFactory;
  /**
   * Batch: outputs and logs leave through the attempt's staging container (batch/staging.ts), so no SAS of
   * the output or logs container is made at all.
   */
  readonly stagedOutputs?: boolean;
}

export const inputPath = (input: StepLaunch['inputs'][number]): string =>
  input.path ?? input.blob.split('/').filter(Boolean).at(-1) ?? input.blob;

export async function resolveStart(launch: StepLaunch, deps: StartResolverDeps): Promise<ResolvedStart> {
  const expiresOn = deps.store.sasExpiry(launch.timeoutMs);
  const inputs = await Promise.all(
    launch.inputs.map(async (input) => ({
      url: await deps.store.readUrl(input.container, input.blob, expiresOn),
      path: inputPath(input),
    })),
  );
  const outputs = deps.stagedOutputs
    ? {}
    : deps.uploadUrl
      ? { uploadUrl: deps.uploadUrl(launch.outputs.container, launch.outputs.prefix, launch.timeoutMs) }
      : { outputUrl: await deps.store.writeUrl(launch.outputs.container, expiresOn) };
  const logsUrl =
    !deps.stagedOutputs && !deps.uploadUrl && launch.logs.container !== launch.outputs.container
      ? await deps.store.writeUrl(launch.logs.container, expiresOn)
      : undefined;
  const secretEnv: Record<string, string> = {};
  for (const [name, reference] of Object.entries(launch.secretEnv ?? {})) {
    secretEnv[name] = await deps.secrets.resolve(reference);
  }
  const registryPassword =
    launch.registry && 'passwordSecret' in launch.registry
      ? await deps.secrets.resolve(launch.registry.passwordSecret)
      : undefined;
  return {
    inputs,
    ...outputs,
    ...(logsUrl ? { logsUrl } : {}),
    callbackUrl: deps.callbackUrl(launch, launch.timeoutMs),
    secretEnv,
    ...(registryPassword !== undefined ? { registryPassword } : {}),
  };
}
