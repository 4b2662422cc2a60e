import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type IdentityInfo, mintToken, resourceFromScope, stableGuid } from './token';

/**
 * The App Service / Functions managed-identity endpoint (MSI protocol, api-version 2019-08-01) on
 * http://127.0.0.1, which `ManagedIdentityCredential` and `DefaultAzureCredential` use when `IDENTITY_ENDPOINT`
 * and `IDENTITY_HEADER` are set:
 *
 *   GET /msi/token?api-version=2019-08-01&resource=<resource>[&client_id=|&mi_res_id=|&object_id=]
 *   X-IDENTITY-HEADER: <IDENTITY_HEADER>
 *   -> 200 {"access_token","expires_on":"<unix s>","resource","token_type":"Bearer","client_id"}
 *
 * Missing header -> 400, wrong header -> 401, missing resource or api-version -> 400, all with JSON bodies
 * that never echo the header value.
 */
export interface IdentityEndpointOptions {
  /** 0 (default) picks a free port. */
  readonly port?: number;
  /** The IDENTITY_HEADER secret. Default: random. */
  readonly header?: string;
  /** The system-assigned identity. Default: fixed ids, so tokens are stable across restarts. */
  readonly systemIdentity?: IdentityInfo;
  readonly tenantId?: string;
  /** Token lifetime. Default 24 h, as App Service issues. */
  readonly lifetimeSeconds?: number;
  readonly now?: () => number;
}

export interface IssuedToken {
  readonly at: number;
  readonly resource: string;
  readonly objectId: string;
}

export interface IdentityEndpoint {
  /** The IDENTITY_ENDPOINT value, e.g. http://127.0.0.1:41234/msi/token */
  readonly endpoint: string;
  /** The IDENTITY_HEADER value (a secret: do not log it). */
  readonly header: string;
  readonly port: number;
  readonly systemIdentity: IdentityInfo;
  /** Tokens issued so far (resource and identity only, never the token). */
  issued(): readonly IssuedToken[];
  /** Environment variables that point a process at this endpoint. */
  env(): { IDENTITY_ENDPOINT: string; IDENTITY_HEADER: string };
  stop(): Promise<void>;
}

export const SYSTEM_IDENTITY: IdentityInfo = {
  objectId: '0f1e2d3c-0000-4000-8000-5e1f1d3e4f50',
  clientId: '0c11e470-0000-4000-8000-f1071a5e1f00',
};

export async function startIdentityEndpoint(
  options: IdentityEndpointOptions = {},
): Promise<IdentityEndpoint> {
  const header = options.header ?? randomBytes(24).toString('base64url');
  const systemIdentity = options.systemIdentity ?? SYSTEM_IDENTITY;
  const now = options.now ?? Date.now;
  const lifetime = options.lifetimeSeconds ?? 24 * 3600;
  const issued: IssuedToken[] = [];

  const server = createServer((req, res) => {
    try {
      handle(req, res);
    } catch {
      send(res, 500, { error: 'server_error', error_description: 'The identity endpoint failed.' });
    }
  });

  function handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (url.pathname !== '/msi/token') {
      return send(res, 404, {
        error: 'not_found',
        error_description: `No route ${url.pathname}; use GET /msi/token`,
      });
    }
    if (req.method !== 'GET') {
      return send(res, 405, { error: 'invalid_request', error_description: 'Only GET is supported' });
    }
    const given = req.headers['x-identity-header'];
    if (given === undefined) {
      return send(res, 400, {
        error: 'invalid_request',
        error_description: 'The X-IDENTITY-HEADER header is required (the value of IDENTITY_HEADER).',
      });
    }
    if (given !== header) {
      return send(res, 401, {
        error: 'unauthorized_client',
        error_description: 'The X-IDENTITY-HEADER header does not match IDENTITY_HEADER.',
      });
    }
    const apiVersion = url.searchParams.get('api-version');
    if (apiVersion !== '2019-08-01') {
      return send(res, 400, {
        error: 'invalid_request',
        error_description: `api-version must be 2019-08-01, got ${JSON.stringify(apiVersion)}`,
      });
    }
    const resource = url.searchParams.get('resource');
    if (!resource) {
      return send(res, 400, {
        error: 'invalid_request',
        error_description:
          'The resource query parameter is required, e.g. resource=https://storage.azure.com/',
      });
    }
    const identity = pickIdentity(url.searchParams, systemIdentity);
    const at = now();
    const { token, claims } = mintToken(resource, identity, at, lifetime, options.tenantId);
    issued.push({ at, resource: claims.aud, objectId: identity.objectId });
    send(res, 200, {
      access_token: token,
      expires_on: String(claims.exp),
      resource: resourceFromScope(resource),
      token_type: 'Bearer',
      client_id: identity.clientId,
    });
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const endpoint = `http://127.0.0.1:${port}/msi/token`;
  return {
    endpoint,
    header,
    port,
    systemIdentity,
    issued: () => issued,
    env: () => ({ IDENTITY_ENDPOINT: endpoint, IDENTITY_HEADER: header }),
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** client_id, object_id or mi_res_id select a user-assigned identity; none selects the system identity. */
function pickIdentity(params: URLSearchParams, system: IdentityInfo): IdentityInfo {
  const clientId = params.get('client_id');
  const objectId = params.get('object_id') ?? params.get('principal_id');
  const resourceId = params.get('mi_res_id');
  if (clientId) return { clientId, objectId: stableGuid(`oid:${clientId}`) };
  if (objectId) return { objectId, clientId: stableGuid(`cid:${objectId}`) };
  if (resourceId) {
    const id = resourceId.toLowerCase();
    return { resourceId, objectId: stableGuid(`oid:${id}`), clientId: stableGuid(`cid:${id}`) };
  }
  return system;
}

function send(res: ServerResponse, status: number, body: object): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify(body));
}
