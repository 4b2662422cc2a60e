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
 * Least-privilege SAS for steps: read on one input blob, create+write on the output container (no read,
 * list or delete), both expiring with the step's deadline plus a margin. With a TokenCredential (managed
 * identity) the SAS is a user delegation SAS signed by a key the service hands out; with a shared key it is
 * a service SAS. Callers never see which.
 */
export interface SasSigner {
  blobReadSas(container: string, blob: string, expiresOn: Date): Promise<string>;
  containerWriteSas(container: string, expiresOn: Date): Promise<string>;
}

const SKEW_MS = 5 * 60_000;

abstract class BaseSigner implements SasSigner {
  protected abstract sign(values: Parameters<typeof generateBlobSASQueryParameters>[0]): Promise<string>;

  blobReadSas(container: string, blob: string, expiresOn: Date): Promise<string> {
    return this.sign({
      containerName: container,
      blobName: blob,
      permissions: BlobSASPermissions.parse('r'),
      startsOn: new Date(Date.now() - SKEW_MS),
      expiresOn,
      protocol: SASProtocol.HttpsAndHttp,
    });
  }

  containerWriteSas(container: string, expiresOn: Date): Promise<string> {
    return this.sign({
      containerName: container,
      permissions: ContainerSASPermissions.parse('cw'),
      startsOn: new Date(Date.now() - SKEW_MS),
      expiresOn,
      protocol: SASProtocol.HttpsAndHttp,
    });
  }
}

export class SharedKeySasSigner extends BaseSigner {
  constructor(private readonly credential: StorageSharedKeyCredential) {
    super();
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
