import { ContainerInstanceManagementClient } from '@azure/arm-containerinstance';
import type { TokenCredential } from '@azure/core-auth';
import { DefaultAzureCredential, ManagedIdentityCredential } from '@azure/identity';
import { BlobServiceClient } from '@azure/storage-blob';
import type { ActivityDeps } from './activities/deps';
import { AciBackend } from './compute/aci/aci-backend';
import { defaultDeploymentId } from './compute/naming';
import { createBatchClient, batchTokenCredentials } from './compute/batch/batch-client';
import { BatchBackend } from './compute/batch/batch-backend';
import { type CallPolicy, defaultCallPolicy } from './adapters/call-policy';
import { authenticationClientId, azureMonitorExporters } from './adapters/monitor-exporters';
import type { BackendKind, ComputeBackend } from './compute/port';
import type { CallbackUrlFactory, UploadUrlFactory } from './compute/start-resolver';
import { type Config, loadConfig } from './config';
import { isReservedSettingName, STEP_SECRET_PREFIX } from './config/settings';
import type { DeploymentPolicy } from './pipeline/deployment-policy';
import { RESULTS_CONTAINER, STATE_CONTAINER } from './runs/paths';
import { DefaultSecretResolver, type SecretResolver } from './secrets/secret-resolver';
import { signCallbackToken } from './security/callback-token';
import { signUploadGrant } from './security/upload-grant';
import { BlobStore } from './storage/blob-store';
import type { BlobPort } from './storage/port';
import { UserDelegationSasSigner } from './storage/sas';
import { createTelemetry, type Telemetry } from './telemetry/telemetry';

/**
 * The composition root: one credential, the SDK clients and the adapters, each built once and only when
 * first used, from the Config alone. The same code runs in Azure and against the embedded stack (which
 * looks like Azure: HTTPS, managed identity via IDENTITY_ENDPOINT); nothing here branches on "local".
 */
export interface Composition {
  readonly config: Config;
  readonly credential: TokenCredential;
  readonly blob: BlobStore;
  /** The blob adapter for HTTP request paths: bounded (no SDK retries, short deadlines), see apiCallPolicy. */
  readonly apiBlob: BlobStore;
  readonly secrets: SecretResolver;
  readonly aci: AciBackend;
  /** Throws a clear error when FLOTILLA_BATCH_URL is not set. */
  readonly batch: BatchBackend;
  backend(kind: BackendKind): ComputeBackend;
  readonly callbackUrl: CallbackUrlFactory;
  /** The structured logger, and traces and logs to Application Insights when its connection string is set. */
  readonly telemetry: Telemetry;
}

export interface CompositionOverrides {
  /** Default: DefaultAzureCredential (managed identity in Azure and on the embedded stack). */
  readonly credential?: TokenCredential;
  /** Values `setting:NAME` secret references resolve to (default: none). */
  readonly secretSettings?: Readonly<Record<string, string>>;
}

export const ARM_SCOPE = 'https://management.azure.com/.default';
const CALLBACK_MARGIN_MS = 30 * 60_000;

/** `https://<account>.blob.core.windows.net` or, for Azurite, `https://127.0.0.1:10000/<account>`. */
export function storageAccountName(blobUrl: string): string {
  const url = new URL(blobUrl);
  return url.pathname.split('/').filter(Boolean)[0] ?? url.hostname.split('.')[0] ?? '';
}

/** What pipelines may reach in this deployment (docs/security.md), from the Config alone. */
export function deploymentPolicy(config: Config): DeploymentPolicy {
  return {
    stepSecretPrefix: STEP_SECRET_PREFIX,
    stepSecretSettings: config.FLOTILLA_STEP_SECRET_SETTINGS,
    isReservedSetting: isReservedSettingName,
    keyVaultHosts: config.FLOTILLA_KEY_VAULT_HOSTS.map((h) => h.toLowerCase()),
    reservedContainers: [STATE_CONTAINER, config.FLOTILLA_PIPELINES_CONTAINER],
    resultsContainer: RESULTS_CONTAINER,
    imagesContainer: config.FLOTILLA_IMAGES_CONTAINER,
  };
}

/** Storage calls on an HTTP request path: two attempts of `timeoutMs`, one short backoff. */
export const apiCallPolicy = (timeoutMs: number): CallPolicy => ({
  timeoutMs,
  attempts: 2,
  baseDelayMs: 200,
  maxWaitMs: 1_000,
});

const lazy = <T>(make: () => T): (() => T) => {
  let value: T | undefined;
  return () => (value ??= make());
};

export function createComposition(config: Config, overrides: CompositionOverrides = {}): Composition {
  const policy: CallPolicy = defaultCallPolicy(config.FLOTILLA_SDK_TIMEOUT_MS);
  const credential = lazy(() => overrides.credential ?? new DefaultAzureCredential());
  const blobService = lazy(() => new BlobServiceClient(config.FLOTILLA_STORAGE_BLOB_URL, credential()));
  const accountName = () => storageAccountName(config.FLOTILLA_STORAGE_BLOB_URL);
  const blob = lazy(
    () =>
      new BlobStore(
        blobService(),
        new UserDelegationSasSigner(blobService(), accountName(), config.FLOTILLA_SDK_TIMEOUT_MS),
        {
          policy,
          pipelinesContainer: config.FLOTILLA_PIPELINES_CONTAINER,
        },
      ),
  );
  // Request paths answer fast when storage is down (docs/security.md, "Storage failures"): the SDK's own
  // retries (up to ~2 minutes) are off and callSdk makes 2 short attempts.
  const apiBlob = lazy(() => {
    const service = new BlobServiceClient(config.FLOTILLA_STORAGE_BLOB_URL, credential(), {
      retryOptions: { maxTries: 1 },
    });
    return new BlobStore(
      service,
      new UserDelegationSasSigner(service, accountName(), config.FLOTILLA_API_STORAGE_TIMEOUT_MS),
      {
        policy: apiCallPolicy(config.FLOTILLA_API_STORAGE_TIMEOUT_MS),
        pipelinesContainer: config.FLOTILLA_PIPELINES_CONTAINER,
      },
    );
  });
  const secrets = lazy(
    () =>
      new DefaultSecretResolver(
        credential(),
        overrides.secretSettings ?? {},
        config.FLOTILLA_SDK_TIMEOUT_MS,
        deploymentPolicy(config),
      ),
  );
  const deploymentId =
    config.FLOTILLA_DEPLOYMENT_ID ?? defaultDeploymentId(config.FLOTILLA_TASK_HUB, accountName());
  const callbackUrl: CallbackUrlFactory = (ref, timeoutMs) => {
    const token = signCallbackToken(config.FLOTILLA_CALLBACK_SECRET, {
      runId: ref.runId,
      imageKey: ref.imageKey,
      step: ref.step,
      attempt: ref.attempt,
      ...(ref.callbackInstance ? { instance: ref.callbackInstance } : {}),
      expiresAt: Date.now() + timeoutMs + CALLBACK_MARGIN_MS,
    });
    return `${config.FLOTILLA_CALLBACK_BASE_URL.replace(/\/+$/, '')}/api/callbacks/${token}`;
  };
  const uploadUrl: UploadUrlFactory = (container, prefix, timeoutMs) => {
    const grant = signUploadGrant(config.FLOTILLA_CALLBACK_SECRET, {
      container,
      prefix: prefix.replace(/^\/+|\/+$/g, ''),
      expiresAt: blob().sasExpiry(timeoutMs).getTime(),
    });
    return `${config.FLOTILLA_CALLBACK_BASE_URL.replace(/\/+$/, '')}/api/step-uploads/${grant}`;
  };
  const aci = lazy(() => {
    const client = new ContainerInstanceManagementClient(credential(), config.FLOTILLA_SUBSCRIPTION_ID, {
      endpoint: config.FLOTILLA_ARM_ENDPOINT,
      credentialScopes: [ARM_SCOPE],
      // callSdk owns retries (capped Retry-After, per-attempt deadlines).
      retryOptions: { maxRetries: 0 },
    });
    return new AciBackend({
      client,
      resourceGroup: config.FLOTILLA_RESOURCE_GROUP,
      location: config.FLOTILLA_LOCATION,
      stagerImage: config.FLOTILLA_STAGER_IMAGE,
      ...(config.FLOTILLA_ACI_IDENTITY_ID ? { identityId: config.FLOTILLA_ACI_IDENTITY_ID } : {}),
      policy,
      store: blob(),
      secrets: secrets(),
      callbackUrl,
      uploadUrl,
      deploymentId,
    });
  });
  const batch = lazy(() => {
    if (!config.FLOTILLA_BATCH_URL)
      throw new Error('FLOTILLA_BATCH_URL is not set: it is required for steps with backend "batch"');
    return new BatchBackend({
      client: createBatchClient(batchTokenCredentials(credential()), config.FLOTILLA_BATCH_URL),
      policy,
      ...(config.FLOTILLA_BATCH_POOL_ID ? { defaultPoolId: config.FLOTILLA_BATCH_POOL_ID } : {}),
      ...(config.FLOTILLA_ACI_IDENTITY_ID ? { identityId: config.FLOTILLA_ACI_IDENTITY_ID } : {}),
      store: blob(),
      secrets: secrets(),
      deploymentId,
    });
  });
  const telemetry = lazy(() => {
    const connectionString = config.APPLICATIONINSIGHTS_CONNECTION_STRING;
    const authentication = config.APPLICATIONINSIGHTS_AUTHENTICATION_STRING;
    // Entra ID authentication: the identity the authentication string names, else the app's credential.
    const exporterCredential = (auth: string) => {
      const clientId = authenticationClientId(auth);
      return clientId ? new ManagedIdentityCredential({ clientId }) : credential();
    };
    return createTelemetry({
      level: config.FLOTILLA_LOG_LEVEL,
      write: (line) => console.log(line),
      ...(connectionString
        ? {
            exporters: azureMonitorExporters({
              connectionString,
              ...(authentication ? { credential: exporterCredential(authentication) } : {}),
            }),
          }
        : {}),
    });
  });
  return {
    config,
    get credential() {
      return credential();
    },
    get blob() {
      return blob();
    },
    get apiBlob() {
      return apiBlob();
    },
    get secrets() {
      return secrets();
    },
    get aci() {
      return aci();
    },
    get batch() {
      return batch();
    },
    backend: (kind) => (kind === 'aci' ? aci() : batch()),
    callbackUrl,
    get telemetry() {
      return telemetry();
    },
  };
}

let root: Composition | undefined;

/**
 * The app's composition, built from the environment on first use. `setting:NAME` secret references name app
 * settings (themselves often Key Vault references that App Service resolves), so the resolver is handed the
 * environment here, once; nothing else outside src/config reads it.
 */
export function composition(): Composition {
  root ??= createComposition(loadConfig(), { secretSettings: appSettings() });
  return root;
}

function appSettings(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) if (value !== undefined) out[name] = value;
  return out;
}

/** Tests: build the root from given settings (and a credential), replacing any previous one. */
export function setComposition(value: Composition | undefined): void {
  root = value;
}

/**
 * What the triggers and activities of this app use, built once and lazily from the composition root. Tests
 * and the embedded stack may install their own with `setAppDeps` before the first invocation.
 */
export interface AppDeps {
  readonly config: Pick<Config, 'FLOTILLA_CALLBACK_SECRET' | 'FLOTILLA_IMAGES_CONTAINER'>;
  /** The request-path blob adapter (bounded: storage down answers 503 in seconds). */
  readonly store: BlobPort;
  readonly activities: ActivityDeps;
  /** Backends configured in this app (Batch only when FLOTILLA_BATCH_URL is set). */
  readonly backends: readonly BackendKind[];
  /** What pipelines may reach (secrets, containers), checked when a spec is stored and when a run starts. */
  readonly policy: DeploymentPolicy;
  readonly now: () => number;
  /** Orchestrator and trigger logs go through it (absent: plain context.log lines). */
  readonly telemetry?: Telemetry;
}

/** The production wiring of the triggers and activities: everything from the composition root above. */
export function appDepsFromComposition(): AppDeps {
  const root = composition();
  const config = root.config;
  const now = () => Date.now();
  return {
    config,
    store: root.apiBlob,
    activities: {
      store: root.blob,
      compute: (kind) => root.backend(kind),
      limits: {
        aciCreatesPer5Min: config.FLOTILLA_ACI_CREATES_PER_5_MIN,
        aciCreatesPerHour: config.FLOTILLA_ACI_CREATES_PER_HOUR,
        aciCoreQuota: config.FLOTILLA_ACI_CORE_QUOTA,
        aciGroupQuota: config.FLOTILLA_ACI_GROUP_QUOTA,
        aciDeletesPer5Min: config.FLOTILLA_ACI_DELETES_PER_5_MIN,
        aciDeletesPerHour: config.FLOTILLA_ACI_DELETES_PER_HOUR,
        batchActiveJobQuota: config.FLOTILLA_BATCH_ACTIVE_JOB_QUOTA,
        admissionTimeoutMs: config.FLOTILLA_ADMISSION_TIMEOUT_MS,
        teardownWaitMs: config.FLOTILLA_TEARDOWN_WAIT_MS,
      },
      prices: {
        aciVcpuSecond: config.FLOTILLA_PRICE_ACI_VCPU_SECOND,
        aciGbSecond: config.FLOTILLA_PRICE_ACI_GB_SECOND,
        batchNodeHour: config.FLOTILLA_PRICE_BATCH_NODE_HOUR,
        currency: config.FLOTILLA_PRICE_CURRENCY,
      },
      now,
      log: (line, level) => root.telemetry.logger.line(line, level),
      ...(root.telemetry.tracer ? { tracer: root.telemetry.tracer } : {}),
      notifyStep: async (ref, exitCode) => {
        const response = await fetch(root.callbackUrl(ref, 60 * 60_000), {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(exitCode === undefined ? {} : { exitCode }),
          signal: AbortSignal.timeout(config.FLOTILLA_SDK_TIMEOUT_MS),
        });
        await response.body?.cancel();
        if (response.status !== 202)
          throw new Error(`the step did not accept the notice (HTTP ${response.status})`);
      },
    },
    backends: config.FLOTILLA_BATCH_URL ? ['aci', 'batch'] : ['aci'],
    policy: deploymentPolicy(config),
    now,
    telemetry: root.telemetry,
  };
}

let provider: (() => AppDeps) | undefined = appDepsFromComposition;
let built: AppDeps | undefined;

/** Tests: install other dependencies (undefined restores the composition root). */
export function setAppDeps(next: (() => AppDeps) | undefined): void {
  provider = next;
  built = undefined;
}

/** Exports what telemetry has buffered and stops it, if the app built it (the host's appTerminate hook). */
export async function shutdownTelemetry(): Promise<void> {
  await built?.telemetry?.shutdown();
}

export function appDeps(): AppDeps {
  if (built) return built;
  built = (provider ?? appDepsFromComposition)();
  return built;
}
