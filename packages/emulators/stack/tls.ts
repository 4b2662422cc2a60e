import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type * as TlsModule from 'node:tls';
import { generate } from 'selfsigned';

/**
 * The embedded stack speaks HTTPS on 127.0.0.1, as Azure does, so the SDKs take their production code paths
 * (bearer tokens are refused over plain HTTP). One self-signed certificate per state folder serves every
 * emulator; processes trust it through NODE_EXTRA_CA_CERTS, in-process tests through `trustCertificate`.
 */
export interface DevCertificate {
  readonly certFile: string;
  readonly keyFile: string;
  readonly cert: string;
  readonly key: string;
}

export async function ensureDevCertificate(dir: string): Promise<DevCertificate> {
  mkdirSync(dir, { recursive: true });
  const certFile = join(dir, 'dev-cert.pem');
  const keyFile = join(dir, 'dev-key.pem');
  if (!existsSync(certFile) || !existsSync(keyFile)) {
    const now = Date.now();
    const pems = await generate([{ name: 'commonName', value: 'flotilla-dev-127.0.0.1' }], {
      keyType: 'ec',
      curve: 'P-256',
      algorithm: 'sha256',
      notBeforeDate: new Date(now - 60_000),
      notAfterDate: new Date(now + 365 * 24 * 3600_000),
      extensions: [
        { name: 'basicConstraints', cA: true },
        { name: 'keyUsage', digitalSignature: true, keyCertSign: true },
        { name: 'extKeyUsage', serverAuth: true },
        {
          name: 'subjectAltName',
          altNames: [
            { type: 7, ip: '127.0.0.1' },
            { type: 2, value: 'localhost' },
          ],
        },
      ],
    });
    writeFileSync(keyFile, pems.private, { mode: 0o600 });
    writeFileSync(certFile, pems.cert);
  }
  return { certFile, keyFile, cert: readFileSync(certFile, 'utf8'), key: readFileSync(keyFile, 'utf8') };
}

const trusted = new Set<string>();
let restoreCreateSecureContext: (() => void) | undefined;

/** Options that change a secure context; without any of them every connection can share one context. */
const CONTEXT_KEYS = [
  'ca',
  'cert',
  'key',
  'pfx',
  'passphrase',
  'ciphers',
  'ecdhCurve',
  'dhparam',
  'honorCipherOrder',
  'minVersion',
  'maxVersion',
  'secureProtocol',
  'secureOptions',
  'sessionIdContext',
  'crl',
  'sigalgs',
  'privateKeyIdentifier',
  'privateKeyEngine',
  'clientCertEngine',
  'ticketKeys',
  'sessionTimeout',
] as const;

/** Shared contexts by the context options a connection brings (most bring none, or only a `ciphers` string). */
const sharedContexts = new Map<string, TlsModule.SecureContext>();

/** A key for options whose context-changing values are all plain strings, numbers or booleans, else undefined. */
function contextKey(options: TlsModule.SecureContextOptions | undefined): string | undefined {
  const values: Record<string, unknown> = {};
  for (const key of CONTEXT_KEYS) {
    const value = options?.[key];
    if (value === undefined) continue;
    if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean')
      return undefined;
    values[key] = value;
  }
  return JSON.stringify(values);
}

/**
 * Trusts a PEM certificate in this process, for every TLS client that does not bring its own `ca`.
 *
 * `NODE_EXTRA_CA_CERTS` is read only at process start, and setting `https.globalAgent.options.ca` is not
 * enough: core-rest-pipeline (storage-blob, arm-containerinstance, identity) creates its own keep-alive
 * `https.Agent`, so the global agent is only used with keep-alive off. Wrapping `tls.createSecureContext`
 * (which `tls.connect` calls through the module object for every connection without a `secureContext`)
 * covers all agents. Connections with the same plain context options (none, or the `ciphers` string every
 * https.Agent passes) share one context, so the root certificates are parsed once, not per connection.
 * Returns a function that removes this certificate again.
 */
export function trustCertificate(certPem: string): () => void {
  trusted.add(certPem);
  sharedContexts.clear();
  if (!restoreCreateSecureContext) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const tls = require('node:tls') as typeof TlsModule;
    const original = tls.createSecureContext;
    tls.createSecureContext = (options?: TlsModule.SecureContextOptions) => {
      if (!trusted.size || options?.ca !== undefined) return original(options);
      const withCa = { ...options, ca: [...tls.rootCertificates, ...trusted] };
      const key = contextKey(options);
      if (key === undefined) return original(withCa);
      let context = sharedContexts.get(key);
      if (!context) sharedContexts.set(key, (context = original(withCa)));
      return context;
    };
    restoreCreateSecureContext = () => {
      tls.createSecureContext = original;
      restoreCreateSecureContext = undefined;
    };
  }
  return () => {
    trusted.delete(certPem);
    sharedContexts.clear();
    if (trusted.size === 0) restoreCreateSecureContext?.();
  };
}
