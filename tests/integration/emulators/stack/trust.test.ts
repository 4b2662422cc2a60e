import { mkdtempSync, rmSync } from 'node:fs';
import https from 'node:https';
import tls from 'node:tls';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureDevCertificate, trustCertificate } from '../../../../packages/emulators/stack/tls';

let server: https.Server;
let url: string;
let stateDir: string;
let cert: string;

beforeAll(async () => {
  stateDir = mkdtempSync(join(tmpdir(), 'flotilla-trust-'));
  const certificate = await ensureDevCertificate(stateDir);
  cert = certificate.cert;
  server = https.createServer({ cert, key: certificate.key }, (_req, res) => res.end('ok'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  rmSync(stateDir, { recursive: true, force: true });
});

/** A GET through a fresh keep-alive agent, as core-rest-pipeline makes them. */
function get(): Promise<string> {
  const agent = new https.Agent({ keepAlive: true });
  return new Promise<string>((resolve, reject) => {
    https
      .get(url, { agent }, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve(body));
      })
      .on('error', reject);
  }).finally(() => agent.destroy());
}

test('trustCertificate makes private keep-alive agents trust the stack certificate, and undoes it', async () => {
  await expect(get()).rejects.toThrow(/self-signed certificate/);
  const untrust = trustCertificate(cert);
  try {
    expect(await get()).toBe('ok');
    expect(await get()).toBe('ok');
  } finally {
    untrust();
  }
  await expect(get()).rejects.toThrow(/self-signed certificate/);
});

test('the same certificate is kept as long as one trust is outstanding', async () => {
  const first = trustCertificate(cert);
  const second = trustCertificate('-----BEGIN CERTIFICATE-----\nnot used\n-----END CERTIFICATE-----\n');
  second();
  try {
    expect(await get()).toBe('ok');
  } finally {
    first();
  }
});

test('connections with the same plain context options share one secure context (root certificates parsed once)', async () => {
  const untrust = trustCertificate(cert);
  try {
    // Node's https.Agent hands every connection its default `ciphers` string: such connections still share.
    const options = { ciphers: tls.DEFAULT_CIPHERS };
    const first = tls.createSecureContext(options);
    expect(tls.createSecureContext({ ...options })).toBe(first);
    expect(tls.createSecureContext({ ciphers: 'HIGH' })).not.toBe(first);
    // Options that are not plain values (keys as buffers) get a context of their own every time.
    const withBuffer = { ...options, ticketKeys: Buffer.alloc(48) };
    expect(tls.createSecureContext(withBuffer)).not.toBe(tls.createSecureContext(withBuffer));
    expect(await get()).toBe('ok');
  } finally {
    untrust();
  }
});
