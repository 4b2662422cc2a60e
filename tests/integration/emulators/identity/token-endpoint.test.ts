import { DefaultAzureCredential, ManagedIdentityCredential } from '@azure/identity';
import {
  checkBearer,
  EMULATOR_TENANT_ID,
  type IdentityEndpoint,
  startIdentityEndpoint,
  type TokenClaims,
} from '../../../../packages/emulators/identity';

let identity: IdentityEndpoint;
const saved = { ...process.env };

beforeAll(async () => {
  identity = await startIdentityEndpoint();
  Object.assign(process.env, identity.env());
});

afterAll(async () => {
  process.env.IDENTITY_ENDPOINT = saved.IDENTITY_ENDPOINT;
  process.env.IDENTITY_HEADER = saved.IDENTITY_HEADER;
  if (saved.IDENTITY_ENDPOINT === undefined) delete process.env.IDENTITY_ENDPOINT;
  if (saved.IDENTITY_HEADER === undefined) delete process.env.IDENTITY_HEADER;
  await identity.stop();
});

function claimsOf(token: string): TokenClaims {
  return JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8')) as TokenClaims;
}

test('ManagedIdentityCredential gets a token per audience, with the issuer and ids Azure uses', async () => {
  const credential = new ManagedIdentityCredential();
  const cases = [
    ['https://management.azure.com/.default', 'https://management.azure.com'],
    ['https://batch.core.windows.net//.default', 'https://batch.core.windows.net/'],
    ['https://storage.azure.com/.default', 'https://storage.azure.com'],
  ] as const;
  for (const [scope, audience] of cases) {
    const token = await credential.getToken(scope);
    const claims = claimsOf(token.token);
    expect(claims.aud).toBe(audience);
    expect(claims.iss).toBe(`https://sts.windows.net/${EMULATOR_TENANT_ID}/`);
    expect(claims.tid).toBe(EMULATOR_TENANT_ID);
    expect(claims.oid).toBe(identity.systemIdentity.objectId);
    expect(token.expiresOnTimestamp).toBeGreaterThan(Date.now() + 3600_000);
    expect(checkBearer(`Bearer ${token.token}`, [audience]).ok).toBe(true);
  }
  expect(identity.issued().map((t) => t.resource)).toEqual(cases.map(([, audience]) => audience));
});

test('a token for one audience is refused where another is required', async () => {
  const token = await new DefaultAzureCredential().getToken('https://management.azure.com/.default');
  const check = checkBearer(`Bearer ${token.token}`, ['https://batch.core.windows.net/']);
  expect(check).toEqual({
    ok: false,
    reason: expect.stringContaining("wrong audience or resource 'https://management.azure.com'"),
  });
  const forged = token.token.replace(/\.[^.]+$/, '.AAAA');
  expect(checkBearer(`Bearer ${forged}`, ['https://management.azure.com/'])).toEqual({
    ok: false,
    reason: expect.stringContaining('signature'),
  });
});

test('user-assigned identities chosen by client id or resource id get their own ids', async () => {
  const byClient = await new ManagedIdentityCredential({ clientId: 'my-client-id' }).getToken(
    'https://storage.azure.com/.default',
  );
  expect(claimsOf(byClient.token).appid).toBe('my-client-id');
  expect(claimsOf(byClient.token).oid).not.toBe(identity.systemIdentity.objectId);
  const resourceId =
    '/subscriptions/s/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id1';
  const byResource = await new ManagedIdentityCredential({ resourceId }).getToken(
    'https://storage.azure.com/.default',
  );
  expect(claimsOf(byResource.token).xms_mirid).toBe(resourceId);
});

test('requests without the right header, resource or api-version get JSON errors that do not echo the header', async () => {
  const url = (query: string) => `${identity.endpoint}?${query}`;
  const good = 'api-version=2019-08-01&resource=https://storage.azure.com/';
  const missing = await fetch(url(good));
  expect(missing.status).toBe(400);
  expect(await missing.json()).toEqual({
    error: 'invalid_request',
    error_description: expect.stringContaining('X-IDENTITY-HEADER'),
  });
  const wrong = await fetch(url(good), { headers: { 'X-IDENTITY-HEADER': 'guess' } });
  expect(wrong.status).toBe(401);
  const wrongText = await wrong.text();
  expect(wrongText).not.toContain(identity.header);
  expect(wrongText).not.toContain('guess');
  const headers = { 'X-IDENTITY-HEADER': identity.header };
  const noResource = await fetch(url('api-version=2019-08-01'), { headers });
  expect(noResource.status).toBe(400);
  expect(((await noResource.json()) as { error_description: string }).error_description).toMatch(/resource/);
  const oldApi = await fetch(url('api-version=2017-09-01&resource=x'), { headers });
  expect(oldApi.status).toBe(400);
  const ok = await fetch(url(good), { headers });
  expect(ok.status).toBe(200);
  expect(await ok.json()).toMatchObject({ token_type: 'Bearer', resource: 'https://storage.azure.com/' });
});
