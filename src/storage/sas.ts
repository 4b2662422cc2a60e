import {
  type BlobServiceClient,
  BlobSASPermissions,
  ContainerSASPermissions,
  SASProtocol,
  type StorageSharedKeyCredential,
  type UserDelegationKey,
  generateBlobSASQueryParameters,
} from '@azure/storage-blob';

/**
 * Least-privilege SAS for steps (docs/security.md): read on one input blob; create only on one output blob
 * (ACI: the upload grant's URLs) or, for Batch, whose node uploads by file pattern, create+write on the
 * attempt's own staging container only (no read, list or delete); HTTPS only; all expiring with the
 * step's deadline plus a margin (BlobStore.sasExpiry). Azure Storage scopes a SAS to a folder only with a
 * hierarchical namespace (`sr=d`), which flat accounts and Azurite 3.37 do not support. With a TokenCredential (managed
 * identity) the SAS is a user delegation SAS signed by a key the service hands out; with a shared key it is
 * a service SAS. Callers never see which.
 */
export interface SasSigner {
  blobReadSas(container: string, blob: string, expiresOn: Date): Promise<string>;
  containerWriteSas(container: string, expiresOn: Date): Promise<string>;
  /**
   * Create+write SAS of a Batch attempt's own staging container (no read, list or delete): the node uploads
   * by file pattern, possibly in blocks and again on a retry, into a container that holds nothing else.
   */
  stagingWriteSas(container: string, expiresOn: Date): Promise<string>;
  /** Create-only SAS of one blob (no overwrite, read, list or delete): client uploads and upload grants' URLs. */
  blobCreateSas(container: string, blob: string, expiresOn: Date): Promise<string>;
}

const SKEW_MS = 5 * 60_000;

abstract class BaseSigner implements SasSigner {
  /** `spr=https`; only a plain-HTTP test Azurite needs false (a SAS for an http:// URL cannot be HTTPS-only). */
  protected httpsOnly = true;

  private get protocol(): SASProtocol {
    return this.httpsOnly ? SASProtocol.Https : SASProtocol.HttpsAndHttp;
  }

  protected abstract sign(values: Parameters<typeof generateBlobSASQueryParameters>[0]): Promise<string>;

  blobReadSas(container: string, blob: string, expiresOn: Date): Promise<string> {
    return this.sign({
      containerName: container,
      blobName: blob,
      permissions: BlobSASPermissions.parse('r'),
      startsOn: new Date(Date.now() - SKEW_MS),
      expiresOn,
      protocol: this.protocol,
    });
  }

  blobCreateSas(container: string, blob: string, expiresOn: Date): Promise<string> {
    return this.sign({
      containerName: container,
      blobName: blob,
      permissions: BlobSASPermissions.parse('c'),
      startsOn: new Date(Date.now() - SKEW_MS),
      expiresOn,
      protocol: this.protocol,
    });
  }

  containerWriteSas(container: string, expiresOn: Date): Promise<string> {
    return this.containerSas(container, 'c', expiresOn);
  }

  stagingWriteSas(container: string, expiresOn: Date): Promise<string> {
    return this.containerSas(container, 'cw', expiresOn);
  }

  private containerSas(container: string, permissions: string, expiresOn: Date): Promise<string> {
    return this.sign({
      containerName: container,
      permissions: ContainerSASPermissions.parse(permissions),
      startsOn: new Date(Date.now() - SKEW_MS),
      expiresOn,
      protocol: this.protocol,
    });
  }
}

export class SharedKeySasSigner extends BaseSigner {
  constructor(
    private readonly credential: StorageSharedKeyCredential,
    options: { httpsOnly?: boolean } = {},
  ) {
    super();
    this.httpsOnly = options.httpsOnly ?? true;
  }

  protected sign(values: Parameters<typeof generateBlobSASQueryParameters>[0]): Promise<string> {
    return Promise.resolve(generateBlobSASQueryParameters(values, this.credential).toString());
  }
}

/** User delegation keys live up to 7 days; one is fetched per ~day and reused for every SAS it covers. */
export class UserDelegationSasSigner extends BaseSigner {
  private key?: { value: UserDelegationKey; expiresOn: number };
  private pending?: Promise<UserDelegationKey>;

  constructor(
    private readonly service: BlobServiceClient,
    private readonly accountName: string,
    private readonly timeoutMs: number,
  ) {
    super();
  }

  protected async sign(values: Parameters<typeof generateBlobSASQueryParameters>[0]): Promise<string> {
    const key = await this.keyCovering(values.expiresOn ?? new Date());
    return generateBlobSASQueryParameters(values, key, this.accountName).toString();
  }

  private async keyCovering(expiresOn: Date): Promise<UserDelegationKey> {
    if (this.key && this.key.expiresOn >= expiresOn.getTime()) return this.key.value;
    this.pending ??= (async () => {
      const start = new Date(Date.now() - SKEW_MS);
      const wanted = Math.max(expiresOn.getTime(), Date.now() + 24 * 3600_000);
      const end = new Date(Math.min(wanted, Date.now() + 7 * 24 * 3600_000 - SKEW_MS));
      const key = await this.service.getUserDelegationKey(start, end, {
        abortSignal: AbortSignal.timeout(this.timeoutMs),
      });
      this.key = { value: key, expiresOn: end.getTime() };
      return key;
    })().finally(() => (this.pending = undefined));
    return this.pending;
  }
}
