import type { TokenCredential } from '@azure/core-auth';
import { AdapterError } from '../adapters/errors';
import { type DeploymentPolicy, secretRefProblem } from '../pipeline/deployment-policy';
import { parseSecretRef } from '../pipeline/secret-ref';

/**
 * Secret references resolve to values at start time, inside the activity; values are sent to the compute
 * service as secure values only and never returned, logged or stored.
 * Reference formats:
 * - `keyvault:https://<vault>.vault.azure.net/secrets/<name>[/<version>]`: Key Vault, read with the app's identity;
 * - `setting:<NAME>`: a value handed to the resolver by the composition root (e.g. from app settings).
 */
/** What may be said about a reference in an error: its form and, for settings, the setting's name. */
function describe(reference: string): string {
  if (reference.startsWith('setting:')) return reference;
  if (reference.startsWith('keyvault:')) return 'keyvault:...';
  return 'unrecognised form';
}

export interface SecretResolver {
  resolve(reference: string): Promise<string>;
}

export class DefaultSecretResolver implements SecretResolver {
  constructor(
    private readonly credential: TokenCredential | undefined,
    private readonly settings: Readonly<Record<string, string>>,
    private readonly timeoutMs: number,
    /** Checked again here, at start time: a spec stored before the policy changed resolves nothing it may not. */
    private readonly policy?: DeploymentPolicy,
  ) {}

  async resolve(reference: string): Promise<string> {
    const fail = (message: string) =>
      new AdapterError(
        'SECRET_UNRESOLVED',
        'permanent',
        `secret reference (${describe(reference)}): ${message}`,
        {
          service: 'secrets',
          operation: 'resolve',
        },
      );
    if (this.policy) {
      const parsed = parseSecretRef(reference);
      if (!parsed.ok) throw fail(parsed.message);
      const problem = secretRefProblem(parsed.ref, this.policy);
      if (problem) throw fail(problem);
    }
    if (reference.startsWith('setting:')) {
      const value = this.settings[reference.slice('setting:'.length)];
      if (value === undefined) throw fail('no such setting is available to the resolver');
      return value;
    }
    if (reference.startsWith('keyvault:')) {
      if (!this.credential) throw fail('Key Vault references need a managed identity');
      const url = new URL(reference.slice('keyvault:'.length));
      if (!/^\/secrets\/[^/]+(\/[^/]+)?\/?$/.test(url.pathname))
        throw fail('expected https://<vault>/secrets/<name>[/<version>]');
      const token = await this.credential.getToken('https://vault.azure.net/.default');
      if (!token) throw fail('no token for Key Vault');
      url.searchParams.set('api-version', '7.4');
      let response: Response;
      try {
        response = await fetch(url, {
          headers: { authorization: `Bearer ${token.token}` },
          signal: AbortSignal.timeout(this.timeoutMs),
        });
      } catch (error) {
        throw new AdapterError(
          'NETWORK',
          'transient',
          `secret ${url.pathname}: ${(error as Error).message}`,
          {
            service: 'secrets',
            operation: 'resolve',
          },
        );
      }
      if (response.status === 429 || response.status >= 500)
        throw new AdapterError(
          'SERVER_ERROR',
          'transient',
          `secret ${url.pathname}: HTTP ${response.status}`,
          {
            service: 'secrets',
            operation: 'resolve',
          },
        );
      if (!response.ok) throw fail(`HTTP ${response.status}`);
      const body = (await response.json()) as { value?: unknown };
      if (typeof body.value !== 'string') throw fail('the response has no value');
      return body.value;
    }
    throw fail('expected keyvault:https://<vault>.vault.azure.net/secrets/<name> or setting:<NAME>');
  }
}
