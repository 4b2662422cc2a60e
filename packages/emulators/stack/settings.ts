import type { BatchEmulator } from '../batch';
import type { IdentityEndpoint } from '../identity';
import type { Azurite } from './azurite';
import type { DevCertificate } from './tls';

/**
 * The environment that points an app (or the embedded host) at the stack. Names match src/config/settings.ts
 * and what the Azure SDKs read (IDENTITY_ENDPOINT/IDENTITY_HEADER for the managed identity,
 * NODE_EXTRA_CA_CERTS to trust the stack's certificate).
 */
export interface StackSettings {
  readonly FLOTILLA_STORAGE_BLOB_URL: string;
  readonly FLOTILLA_ARM_ENDPOINT: string;
  readonly FLOTILLA_SUBSCRIPTION_ID: string;
  readonly FLOTILLA_RESOURCE_GROUP: string;
  readonly FLOTILLA_LOCATION: string;
  readonly FLOTILLA_BATCH_URL: string;
  readonly FLOTILLA_BATCH_POOL_ID?: string;
  /** Batch account name and shared key, for tools and tests (the app itself uses the managed identity). */
  readonly FLOTILLA_EMULATOR_BATCH_ACCOUNT: string;
  readonly FLOTILLA_EMULATOR_BATCH_KEY: string;
  readonly IDENTITY_ENDPOINT: string;
  /** A per-run secret of the identity endpoint. */
  readonly IDENTITY_HEADER: string;
  readonly NODE_EXTRA_CA_CERTS: string;
  /** Azurite connection string (well-known dev account key) for the host's own storage. */
  readonly AzureWebJobsStorage: string;
  /** Loopback must never go through a proxy (core-rest-pipeline and ms-rest-js honour HTTPS_PROXY). */
  readonly NO_PROXY: string;
  /** The image name the ACI emulator maps to this repository's stager build. */
  readonly FLOTILLA_STAGER_IMAGE: string;
  readonly FLOTILLA_EMULATOR_FAULTS?: string;
  readonly [name: string]: string | undefined;
}

export interface SettingsInput {
  readonly azurite: Azurite;
  readonly identity: IdentityEndpoint;
  readonly aciUrl: string;
  readonly batch: Pick<BatchEmulator, 'url' | 'account' | 'key'>;
  readonly batchPoolId?: string;
  readonly certificate: DevCertificate;
  readonly subscriptionId: string;
  readonly resourceGroup: string;
  readonly location: string;
  readonly faultFile?: string;
  readonly stagerImage: string;
}

export function stackSettings(input: SettingsInput): StackSettings {
  return {
    FLOTILLA_STORAGE_BLOB_URL: input.azurite.blobUrl,
    FLOTILLA_ARM_ENDPOINT: input.aciUrl,
    FLOTILLA_SUBSCRIPTION_ID: input.subscriptionId,
    FLOTILLA_RESOURCE_GROUP: input.resourceGroup,
    FLOTILLA_LOCATION: input.location,
    FLOTILLA_BATCH_URL: input.batch.url,
    ...(input.batchPoolId ? { FLOTILLA_BATCH_POOL_ID: input.batchPoolId } : {}),
    FLOTILLA_EMULATOR_BATCH_ACCOUNT: input.batch.account,
    FLOTILLA_EMULATOR_BATCH_KEY: input.batch.key,
    IDENTITY_ENDPOINT: input.identity.endpoint,
    IDENTITY_HEADER: input.identity.header,
    NODE_EXTRA_CA_CERTS: input.certificate.certFile,
    AzureWebJobsStorage: input.azurite.connectionString,
    NO_PROXY: '127.0.0.1,localhost',
    FLOTILLA_STAGER_IMAGE: input.stagerImage,
    ...(input.faultFile ? { FLOTILLA_EMULATOR_FAULTS: input.faultFile } : {}),
  };
}

/** `KEY=value` lines (values quoted for POSIX shells when needed), or one JSON object. */
export function formatSettings(
  settings: Readonly<Record<string, string | undefined>>,
  format: 'env' | 'json',
): string {
  const entries = Object.entries(settings).filter((e): e is [string, string] => e[1] !== undefined);
  if (format === 'json') return JSON.stringify(Object.fromEntries(entries), null, 2);
  return entries.map(([key, value]) => `${key}=${shellQuote(value)}`).join('\n');
}

function shellQuote(value: string): string {
  return /^[\w./:,@%+=-]*$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}
