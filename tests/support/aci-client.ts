import { ContainerInstanceManagementClient } from '@azure/arm-containerinstance';
import type { AccessToken, TokenCredential } from '@azure/core-auth';
import { Agent, request } from 'node:https';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureDevCertificate, type DevCertificate } from '../../packages/emulators/stack/tls';
import { startAciEmulator, type AciEmulator, type AciEmulatorOptions } from '../../packages/emulators/aci';

export const TEST_SUBSCRIPTION = '00000000-0000-0000-0000-0000000000a1';

/** An unsigned JWT with the given audience, as the embedded identity endpoint mints them. */
export function unsignedJwt(audience: string, lifetimeSeconds = 3600): string {
  const enc = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  return `${enc({ alg: 'none', typ: 'JWT' })}.${enc({ aud: audience, iat: now, exp: now + lifetimeSeconds, oid: 'test' })}.`;
}

/** A credential handing out unsigned tokens for `audience` (ARM by default), whatever scope is asked. */
export function staticCredential(audience = 'https://management.azure.com/'): TokenCredential {
  return {
    getToken: (): Promise<AccessToken> =>
      Promise.resolve({ token: unsignedJwt(audience), expiresOnTimestamp: Date.now() + 3600_000 }),
  };
}

let cert: Promise<DevCertificate> | undefined;
/** One certificate per test worker. */
export function testCertificate(): Promise<DevCertificate> {
  cert ??= ensureDevCertificate(mkdtempSync(join(tmpdir(), 'flotilla-aci-cert-')));
  return cert;
}

export interface AciClientOptions {
  readonly credential?: TokenCredential;
  readonly subscription?: string;
  readonly maxRetries?: number;
}

/**
 * The real ARM client against the emulator: HTTPS trusting the emulator certificate through an agent,
 * ARM credential scope, and short retry delays so fault tests stay fast.
 */
export async function aciClient(
  emulator: AciEmulator,
  options: AciClientOptions = {},
): Promise<ContainerInstanceManagementClient> {
  const { cert: ca } = await testCertificate();
  return new ContainerInstanceManagementClient(
    options.credential ?? staticCredential(),
    options.subscription ?? TEST_SUBSCRIPTION,
    {
      endpoint: emulator.url,
      credentialScopes: ['https://management.azure.com/.default'],
      agent: new Agent({ ca, keepAlive: true }),
      retryOptions: { maxRetries: options.maxRetries ?? 3, retryDelayInMs: 10, maxRetryDelayInMs: 40 },
    },
  );
}

/** Starts an emulator with the test certificate and a temporary work root. */
export async function startTestAciEmulator(options: Partial<AciEmulatorOptions> = {}): Promise<AciEmulator> {
  const { cert: certPem, key } = await testCertificate();
  return startAciEmulator({
    mode: 'simulate',
    workRoot: mkdtempSync(join(tmpdir(), 'flotilla-aci-work-')),
    provisioningMs: 100,
    ...options,
    tls: { cert: certPem, key },
  });
}

let rawAgent: Agent | undefined;

export interface RawResponse {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: unknown;
  readonly text: string;
}

/**
 * A raw HTTPS call to the emulator (what the SDK cannot send: wrong api-versions, bad bodies, odd casing).
 * `token: null` sends no Authorization header; a string is sent as the bearer token.
 */
export async function rawRequest(
  emulator: AciEmulator,
  method: string,
  path: string,
  options: { body?: unknown; token?: string | null } = {},
): Promise<RawResponse> {
  const { cert: ca } = await testCertificate();
  rawAgent ??= new Agent({ ca, keepAlive: true });
  const agent = rawAgent;
  const token = options.token === undefined ? unsignedJwt('https://management.azure.com/') : options.token;
  const payload =
    options.body === undefined
      ? undefined
      : typeof options.body === 'string'
        ? options.body
        : JSON.stringify(options.body);
  return new Promise((resolve, reject) => {
    const req = request(
      `${emulator.url}${path}`,
      {
        method,
        agent,
        headers: {
          'content-type': 'application/json',
          ...(token !== null ? { authorization: `Bearer ${token}` } : {}),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let body: unknown;
          try {
            body = text ? JSON.parse(text) : undefined;
          } catch {
            body = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body, text });
        });
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}
