import { ContainerInstanceManagementClient } from '@azure/arm-containerinstance';
import { BatchServiceClient, BatchServiceMappers, BatchSharedKeyCredentials } from '@azure/batch';
import { bearerTokenAuthenticationPolicyName } from '@azure/core-rest-pipeline';
import { Serializer } from '@azure/ms-rest-js';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { validateAciBody, validateBatchBody } from '../../../packages/emulators/common/mapper-schema';
import { aContainerPool, aStepContainerGroup, aStepTask } from './builders';

/**
 * The bodies the real SDK clients put on the wire must validate. A loopback server captures them and answers
 * just enough for each SDK call to complete.
 */
interface Captured {
  method: string;
  path: string;
  body: unknown;
}

let server: Server;
let base: string;
const captured: Captured[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    let text = '';
    req.on('data', (chunk: Buffer) => (text += chunk.toString()));
    req.on('end', () => {
      const body: unknown = text ? JSON.parse(text) : undefined;
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      captured.push({ method: req.method ?? '', path, body });
      res.setHeader('content-type', 'application/json');
      if (req.method === 'PUT') {
        const group = body as { properties: Record<string, unknown> };
        res.statusCode = 200;
        res.end(
          JSON.stringify({ ...group, properties: { ...group.properties, provisioningState: 'Succeeded' } }),
        );
      } else if (path.endsWith('/addtaskcollection')) {
        res.statusCode = 200;
        res.end(JSON.stringify({ value: [] }));
      } else if (path.endsWith('/terminate')) {
        res.statusCode = 202;
        res.end();
      } else {
        res.statusCode = 201;
        res.end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

function last(method: string, suffix: string): unknown {
  const hit = captured.filter((c) => c.method === method && c.path.endsWith(suffix)).pop();
  if (!hit) throw new Error(`no ${method} ...${suffix} captured`);
  return hit.body;
}

test('a container group PUT by the ARM client validates as ContainerGroup', async () => {
  const client = new ContainerInstanceManagementClient(
    { getToken: () => Promise.resolve({ token: 't', expiresOnTimestamp: Date.now() + 3600_000 }) },
    'sub1',
    { endpoint: base, allowInsecureConnection: true },
  );
  client.pipeline.removePolicy({ name: bearerTokenAuthenticationPolicyName });
  await client.containerGroups.beginCreateOrUpdateAndWait('rg1', 'cg1', aStepContainerGroup(), {
    updateIntervalInMs: 1,
  });
  const body = last('PUT', '/containerGroups/cg1') as { properties: { containers: unknown[] } };
  expect(body.properties.containers).toHaveLength(2);
  expect(validateAciBody('ContainerGroup', body)).toEqual({ ok: true });
  // The same body with the wire nesting undone is not a ContainerGroup.
  const flat = { location: 'eastus', containers: body.properties.containers, osType: 'Linux' };
  expect(validateAciBody('ContainerGroup', flat).ok).toBe(false);
});

test('pool, job, task collection and terminate bodies from the Batch client validate', async () => {
  const client = new BatchServiceClient(
    new BatchSharedKeyCredentials('acct', Buffer.from('k').toString('base64')),
    base,
  );
  await client.pool.add(aContainerPool());
  await client.job.add({
    id: 'run-1',
    poolInfo: { poolId: 'pool-1' },
    onAllTasksComplete: 'terminatejob',
    usesTaskDependencies: true,
    constraints: { maxWallClockTime: 'P1D' },
  });
  const tasks = Array.from({ length: 100 }, (_, i) => aStepTask(`t-${i}`));
  await client.task.addCollection('run-1', tasks);
  await client.job.terminate('run-1', { jobTerminateOptions: {}, terminateReason: 'canceled' });

  const collection = last('POST', '/addtaskcollection') as { value: unknown[] };
  expect(collection.value).toHaveLength(100);
  expect(validateBatchBody('TaskAddCollectionParameter', collection)).toEqual({ ok: true });
  expect(validateBatchBody('PoolAddParameter', last('POST', '/pools'))).toEqual({ ok: true });
  expect(validateBatchBody('JobAddParameter', last('POST', '/jobs'))).toEqual({ ok: true });
  const terminate = last('POST', '/terminate');
  expect(terminate).toEqual({ terminateReason: 'canceled' });
  expect(validateBatchBody('JobTerminateParameter', terminate)).toEqual({ ok: true });
});

test("the Batch SDK's own Serializer output validates, and the wire enum case does not matter", () => {
  const serializer = new Serializer(BatchServiceMappers);
  const wire = serializer.serialize(BatchServiceMappers.TaskAddParameter, aStepTask(), 'task') as Record<
    string,
    unknown
  >;
  expect(wire.id).toBe('img-1-step-1');
  expect(validateBatchBody('TaskAddParameter', wire)).toEqual({ ok: true });
  const shouting = JSON.parse(
    JSON.stringify(wire).replace('"taskcompletion"', '"TaskCompletion"'),
  ) as unknown;
  expect(JSON.stringify(shouting)).toContain('TaskCompletion');
  expect(validateBatchBody('TaskAddParameter', shouting)).toEqual({ ok: true });
});
