import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Clock } from '../common/clock';
import type { FaultInjector, MatchedFault } from '../common/faults';
import type { RequestRecorder } from '../common/recorder';
import type { UsageMeter } from '../common/meter';
import { handleAdmin } from './admin';
import { checkBearer } from './auth';
import { dispatch } from './dispatch';
import { ArmError } from './errors';
import { CREATE_FAULTS, GATEWAY_FAULTS, capacityMessage, faultError } from './faults';
import type { AciQuotas } from './options';
import { requestKind, type ArmThrottle } from './throttling';
import { armHeaders, checkApiVersion, header, parseJson, readBody, send } from './http';
import { matchRoute, pathKnown, type RouteMatch } from './routes';
import { groupShape } from './rules';
import type { CreateShaping, GroupStore, Reply } from './store';
import { putProblems } from './rp-checks';
import { validateContainerGroupBody, validatePatchBody } from './validate';

const MUTATIONS = new Set(['PUT', 'PATCH', 'DELETE', 'POST']);

export interface ServerDeps {
  readonly store: GroupStore;
  readonly clock: Clock;
  readonly faults: FaultInjector;
  readonly recorder: RequestRecorder;
  readonly quotas: AciQuotas;
  readonly pageSize: number;
  readonly audiences: readonly string[];
  readonly throttle?: ArmThrottle;
  readonly meter?: UsageMeter;
}

interface Outcome {
  readonly reply?: Reply;
  /** 'hang' leaves the request open, 'reset' destroys the socket. */
  readonly drop?: 'hang' | 'reset';
  readonly html?: { status: number; text: string };
  readonly operation: string;
  readonly fault?: string;
  readonly validationErrors?: readonly string[];
  /** Tokens left in the subscription's bucket for this kind of request (ARM throttling on). */
  readonly remaining?: number;
}

/** The request handler of the emulator: admin, auth, api-version, faults, validation, then the operation. */
export function createHandler(deps: ServerDeps): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    void handle(deps, req, res).catch((error: unknown) => {
      // Never a stack trace on the wire: an unexpected failure is an ARM 500.
      console.error(`aci-emulator: ${(error as Error).message}`);
      if (!res.headersSent)
        send(
          res,
          {
            status: 500,
            body: new ArmError(
              500,
              'InternalServerError',
              'The emulator failed to process the request.',
            ).body(),
          },
          {},
        );
    });
  };
}

async function handle(deps: ServerDeps, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const method = req.method ?? 'GET';
  const url = new URL(req.url ?? '/', 'https://127.0.0.1');
  const raw = await readBody(req);
  const at = deps.clock.now();
  const clientRequestId = header(req, 'x-ms-client-request-id');
  if (url.pathname.startsWith('/__admin/')) {
    const reply =
      raw === undefined
        ? { status: 413, body: { error: { code: 'RequestBodyTooLarge', message: 'body: larger than 4 MB' } } }
        : await handleAdmin(method, url.pathname, parseJson(raw).value, deps);
    send(res, reply, {});
    return;
  }
  const outcome = decide(deps, req, method, url, raw);
  deps.recorder.record({
    at,
    method,
    path: url.pathname,
    status: outcome.reply?.status ?? outcome.html?.status ?? 0,
    operation: outcome.operation,
    ...(outcome.fault ? { fault: outcome.fault } : {}),
    ...(clientRequestId ? { clientRequestId } : {}),
    ...(outcome.validationErrors?.length ? { validationErrors: outcome.validationErrors } : {}),
  });
  if (outcome.drop === 'reset') {
    req.socket.destroy();
    return;
  }
  if (outcome.drop === 'hang') return;
  const headers = armHeaders(method, clientRequestId, outcome.remaining);
  if (outcome.html) {
    res.writeHead(outcome.html.status, { ...headers, 'content-type': 'text/html' });
    res.end(outcome.html.text);
    return;
  }
  if (outcome.reply) send(res, outcome.reply, headers);
}

function decide(
  deps: ServerDeps,
  req: IncomingMessage,
  method: string,
  url: URL,
  raw: string | undefined,
): Outcome {
  const route = matchRoute(method, url.pathname);
  const operation = route?.operation ?? 'Unknown';
  const fail = (error: ArmError, extra: Partial<Outcome> = {}): Outcome => ({
    operation,
    reply: { status: error.status, body: error.body(), headers: { ...error.headers } },
    ...extra,
  });
  if (!route) {
    return pathKnown(url.pathname)
      ? fail(
          new ArmError(
            405,
            'MethodNotAllowed',
            `The HTTP method '${method}' is not supported for '${url.pathname}'.`,
          ),
        )
      : fail(
          new ArmError(
            404,
            'InvalidResourceType',
            `No route matches '${url.pathname}': the resource type could not be found in the namespace 'Microsoft.ContainerInstance' for api version '${url.searchParams.get('api-version') ?? ''}'.`,
          ),
        );
  }
  const authError = checkBearer(header(req, 'authorization'), deps.audiences);
  if (authError) return fail(authError);
  const versionError = checkApiVersion(route, url.searchParams.get('api-version'));
  if (versionError) return fail(versionError);
  let remaining: number | undefined;
  try {
    remaining = deps.throttle?.take(route.params.subscription, requestKind(method), deps.clock.now());
  } catch (error) {
    if (error instanceof ArmError) return fail(error);
    throw error;
  }
  if (raw === undefined)
    return fail(new ArmError(413, 'RequestBodyTooLarge', 'The request body is larger than 4 MB.'));
  const parsed = parseJson(raw);
  if (parsed.error)
    return fail(new ArmError(400, 'InvalidRequestContent', `body: not valid JSON (${parsed.error})`), {
      validationErrors: [`body: ${parsed.error}`],
    });
  const validationErrors =
    operation === 'ContainerGroups_CreateOrUpdate'
      ? putProblems(route.params.group ?? '', parsed.value, validateContainerGroupBody(parsed.value))
      : operation === 'ContainerGroups_Update'
        ? validatePatchBody(parsed.value)
        : [];
  const resource = route.params.group ?? route.params.resourceGroup ?? route.params.operationId ?? '';
  const kinds = operation === 'ContainerGroups_CreateOrUpdate' ? CREATE_FAULTS : GATEWAY_FAULTS;
  const fault = deps.faults.match('aci', operation, resource, kinds);
  const base = {
    operation,
    validationErrors,
    ...(fault ? { fault: fault.id } : {}),
    ...(remaining !== undefined ? { remaining } : {}),
  };
  const run = (shaping?: CreateShaping): Reply => {
    try {
      return dispatch(deps.store, deps.clock, deps.quotas, deps.pageSize, {
        route,
        body: parsed.value,
        query: url.searchParams,
        origin: `https://${req.headers.host ?? '127.0.0.1'}`,
        pathname: url.pathname,
        ...(shaping ? { shaping } : {}),
      });
    } catch (error) {
      if (error instanceof ArmError)
        return { status: error.status, body: error.body(), headers: { ...error.headers } };
      throw error;
    }
  };
  if (!fault) return { ...base, reply: run() };
  return applyFault(deps, fault, route, parsed.value, method, run, base);
}

function applyFault(
  deps: ServerDeps,
  fault: MatchedFault,
  route: RouteMatch,
  body: unknown,
  method: string,
  run: (shaping?: CreateShaping) => Reply,
  base: Omit<Outcome, 'reply'>,
): Outcome {
  if (fault.kind === 'no-response') return { ...base, drop: 'reset' };
  if (fault.kind === 'hang') return { ...base, drop: 'hang' };
  if (fault.kind === 'slow-provisioning')
    return { ...base, reply: run({ extraProvisioningMs: fault.delayMs ?? 60_000, fault: fault.id }) };
  if (fault.kind === 'capacity' && fault.commit && !base.validationErrors?.length)
    return {
      ...base,
      reply: run({ fault: fault.id, provisionError: { code: 'Failed', message: capacityMessage(body) } }),
    };
  const isPut = route.operation === 'ContainerGroups_CreateOrUpdate';
  if (isPut && fault.kind !== 'throttle' && fault.kind !== 'server-error' && base.validationErrors?.length)
    return { ...base, reply: run() };
  const shape =
    isPut && !base.validationErrors?.length ? groupShape(body as Record<string, unknown>) : undefined;
  const answer = faultError(fault, {
    subscription: route.params.subscription,
    group: route.params.group ?? '',
    location: locationOf(body),
    image: shape?.images.find(() => true) ?? '',
    cores: shape?.cores ?? 1,
    coreLimit: deps.quotas.coresPerRegion,
    capacityMessage: shape ? capacityMessage(body) : '',
  });
  if (!answer) return { ...base, reply: run() };
  if (fault.kind === 'server-error' && fault.commit && MUTATIONS.has(method)) run();
  if (answer instanceof ArmError)
    return { ...base, reply: { status: answer.status, body: answer.body(), headers: { ...answer.headers } } };
  return { ...base, html: { status: answer.status, text: answer.html } };
}

function locationOf(body: unknown): string {
  const location = (body as { location?: unknown } | undefined)?.location;
  return typeof location === 'string' ? location : 'eastus';
}
