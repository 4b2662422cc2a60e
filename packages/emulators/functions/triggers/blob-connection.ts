/**
 * The storage account behind a blob trigger's `connection` setting: a connection string
 * (`UseDevelopmentStorage=true` means Azurite's defaults), or identity-based `<name>__blobServiceUri` /
 * `<name>__serviceUri` / `<name>__accountName` with DefaultAzureCredential.
 */
import { DefaultAzureCredential } from '@azure/identity';
import { BlobServiceClient } from '@azure/storage-blob';

const DEV_STORAGE =
  'DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;' +
  'AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;' +
  'BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1;';

export function blobServiceFor(
  connection: string,
  functionName: string,
  env: NodeJS.ProcessEnv = process.env,
): BlobServiceClient {
  const value = env[connection];
  if (value) {
    const connectionString = /^UseDevelopmentStorage=true/i.test(value.trim()) ? DEV_STORAGE : value;
    try {
      return BlobServiceClient.fromConnectionString(connectionString);
    } catch (error) {
      // The message never contains the connection string (it holds the account key).
      throw new Error(
        `Blob trigger "${functionName}": the setting "${connection}" is not a valid storage connection string (${(error as Error).name}).`,
      );
    }
  }
  const uri = env[`${connection}__blobServiceUri`] ?? env[`${connection}__serviceUri`];
  const account = env[`${connection}__accountName`];
  const url = uri ?? (account ? `https://${account}.blob.core.windows.net` : undefined);
  if (url) return new BlobServiceClient(url, new DefaultAzureCredential());
  throw new Error(
    `Blob trigger "${functionName}": the connection setting "${connection}" is not set: set it to a connection string, or set ${connection}__blobServiceUri for an identity-based connection.`,
  );
}
