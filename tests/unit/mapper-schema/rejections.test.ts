import { BatchServiceMappers } from '@azure/batch';
import { Serializer } from '@azure/ms-rest-js';
import {
  bodyJsonSchema,
  formatIssues,
  validateAciBody,
  validateBatchBody,
  type ValidationResult,
} from '../../../packages/emulators/common/mapper-schema';
import { aStepTask } from './builders';

const serializer = new Serializer(BatchServiceMappers);
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- wire bodies are mutated freely below
type Json = Record<string, any>;

function wireTask(): Json {
  return serializer.serialize(BatchServiceMappers.TaskAddParameter, aStepTask(), 'task') as Json;
}

/** A wire-shape container group, as the ARM client sends it. */
function wireGroup(): Json {
  return {
    location: 'eastus',
    properties: {
      osType: 'Linux',
      restartPolicy: 'Never',
      containers: [
        {
          name: 'step',
          properties: { image: 'worker:1', resources: { requests: { cpu: 1, memoryInGB: 1.5 } } },
        },
      ],
    },
  };
}

function issues(result: ValidationResult): { path: string; message: string }[] {
  if (result.ok) throw new Error('expected the body to be rejected');
  return [...result.errors];
}

describe('Batch bodies', () => {
  test('a missing required property is named with its path', () => {
    const task = wireTask();
    delete task.commandLine;
    task.outputFiles[0].destination.container.containerUrl = undefined;
    delete task.outputFiles[0].destination.container.containerUrl;
    expect(issues(validateBatchBody('TaskAddParameter', task))).toEqual([
      { path: 'commandLine', message: 'is required by TaskAddParameter' },
      {
        path: 'outputFiles[0].destination.container.containerUrl',
        message: 'is required by OutputFileBlobContainerDestination',
      },
    ]);
  });

  test('a wrong type, a bad duration and a bad enum are all reported at once', () => {
    const task = wireTask();
    task.requiredSlots = '1';
    task.constraints.maxWallClockTime = 'one hour';
    task.outputFiles[0].uploadOptions.uploadCondition = 'always';
    const found = issues(validateBatchBody('TaskAddParameter', task));
    expect(found).toHaveLength(3);
    expect(found).toEqual(
      expect.arrayContaining([
        { path: 'requiredSlots', message: 'must be number, got string' },
        {
          path: 'constraints.maxWallClockTime',
          message: 'must be an ISO 8601 duration such as PT30M, PT1H or P1D, got "one hour"',
        },
        {
          path: 'outputFiles[0].uploadOptions.uploadCondition',
          message: 'must be one of tasksuccess, taskfailure, taskcompletion (case-insensitive), got "always"',
        },
      ]),
    );
  });

  test('unknown properties are rejected at any depth, listing what is allowed', () => {
    const task = wireTask();
    task.priority = 5;
    task.containerSettings.imagename = 'typo';
    const found = issues(validateBatchBody('TaskAddParameter', task));
    expect(found.map((e) => e.path)).toEqual(['priority', 'containerSettings.imagename']);
    expect(found[1]!.message).toMatch(/^is not a property of TaskContainerSettings; allowed: .*imageName/);
  });

  test('a collection of more than 100 tasks and a non-object body are rejected', () => {
    const value = Array.from({ length: 101 }, () => wireTask());
    expect(issues(validateBatchBody('TaskAddCollectionParameter', { value }))).toEqual([
      { path: 'value', message: 'must NOT have more than 100 items' },
    ]);
    expect(issues(validateBatchBody('TaskAddCollectionParameter', [1]))).toEqual([
      { path: '(body)', message: 'must be object, got array' },
    ]);
  });

  test('the constant container type accepts only its value', () => {
    const pool = (type: string) => ({
      id: 'p',
      vmSize: 'standard_d2s_v3',
      virtualMachineConfiguration: {
        imageReference: { publisher: 'p', offer: 'o', sku: 's' },
        nodeAgentSKUId: 'batch.node.ubuntu 20.04',
        containerConfiguration: { type },
      },
    });
    expect(validateBatchBody('PoolAddParameter', pool('dockerCompatible'))).toEqual({ ok: true });
    expect(issues(validateBatchBody('PoolAddParameter', pool('podman')))[0]!.path).toBe(
      'virtualMachineConfiguration.containerConfiguration.type',
    );
  });
});

describe('ACI bodies', () => {
  test('missing required properties inside the flattened envelope are named with the wire path', () => {
    const group = wireGroup();
    delete group.properties.containers[0].properties.resources.requests.memoryInGB;
    delete group.properties.osType;
    expect(issues(validateAciBody('ContainerGroup', group))).toEqual(
      expect.arrayContaining([
        { path: 'properties.osType', message: 'is required by ContainerGroup' },
        {
          path: 'properties.containers[0].properties.resources.requests.memoryInGB',
          message: 'is required by ResourceRequests',
        },
      ]),
    );
    expect(issues(validateAciBody('ContainerGroup', { location: 'eastus' }))).toEqual([
      { path: 'properties', message: 'is required by ContainerGroup' },
    ]);
  });

  test('extensible enums take any string, closed ones are checked, unknown and read-only keys pass', () => {
    const group = wireGroup();
    group.properties.restartPolicy = 'Sometimes';
    group.properties.provisioningState = 'Succeeded';
    group.properties.futureFeature = { on: true };
    expect(validateAciBody('ContainerGroup', group)).toEqual({ ok: true });
    expect(issues(validateAciBody('ContainerGroup', group, { unknownProperties: 'reject' }))).toEqual([
      expect.objectContaining({ path: 'properties.provisioningState' }),
      expect.objectContaining({ path: 'properties.futureFeature' }),
    ]);
    group.identity = { type: 'systemassigned' };
    expect(validateAciBody('ContainerGroup', group)).toEqual({ ok: true });
    group.identity = { type: 'Everything' };
    expect(issues(validateAciBody('ContainerGroup', group))[0]!.path).toBe('identity.type');
  });

  test('a wrong primitive type deep in a container is reported', () => {
    const group = wireGroup();
    group.properties.containers[0].properties.resources.requests.cpu = '1';
    group.properties.containers[0].properties.command = 'python run.py';
    const text = formatIssues(issues(validateAciBody('ContainerGroup', group)));
    expect(text).toBe(
      [
        'properties.containers[0].properties.command: must be array, got string',
        'properties.containers[0].properties.resources.requests.cpu: must be number, got string',
      ].join('\n'),
    );
  });
});

test('unknown model names fail loudly, and the generated schema is available', () => {
  expect(() => validateBatchBody('TaskAdd', {})).toThrow(
    /no model named "TaskAdd"; similar: .*TaskAddParameter/,
  );
  const schema = bodyJsonSchema('aci', 'ContainerGroup') as { definitions: Json };
  expect(schema.definitions.ContainerGroup.properties.properties.required).toEqual(
    expect.arrayContaining(['containers', 'osType']),
  );
});
