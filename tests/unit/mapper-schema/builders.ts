import type { ContainerGroup } from '@azure/arm-containerinstance';
import type { BatchServiceModels } from '@azure/batch';

/** A container group shaped like a flotilla step attempt (SDK, i.e. flattened TypeScript, shape). */
export function aStepContainerGroup(): ContainerGroup {
  const identityId =
    '/subscriptions/sub1/resourceGroups/rg1/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id1';
  const mount = [{ name: 'flotilla', mountPath: '/flotilla' }];
  return {
    location: 'eastus',
    tags: { runId: 'run-1', step: 'step-1' },
    identity: { type: 'UserAssigned', userAssignedIdentities: { [identityId]: {} } },
    osType: 'Linux',
    restartPolicy: 'Never',
    sku: 'Standard',
    imageRegistryCredentials: [{ server: 'myacr.azurecr.io', identity: identityId }],
    volumes: [{ name: 'flotilla', emptyDir: {} }],
    initContainers: [
      {
        name: 'stage-in',
        image: 'myacr.azurecr.io/flotilla-stager:1',
        command: ['node', '/opt/flotilla/main.js', 'in'],
        environmentVariables: [{ name: 'FLOTILLA_INPUTS', secureValue: 'https://x/in?sig=secret' }],
        volumeMounts: mount,
      },
    ],
    containers: [
      {
        name: 'step',
        image: 'myacr.azurecr.io/worker:1.0',
        command: ['/bin/sh', '-c', 'python run.py; echo $? > /flotilla/.exit'],
        environmentVariables: [
          { name: 'FLOTILLA_RUN_ID', value: 'run-1' },
          { name: 'FLOTILLA_CALLBACK_URL', secureValue: 'https://cb?code=secret' },
        ],
        resources: { requests: { cpu: 1, memoryInGB: 1.5 }, limits: { cpu: 2, memoryInGB: 3 } },
        volumeMounts: mount,
      },
      {
        name: 'stage-out',
        image: 'myacr.azurecr.io/flotilla-stager:1',
        resources: { requests: { cpu: 0.25, memoryInGB: 0.5 } },
        volumeMounts: mount,
      },
    ],
  };
}

/** A Batch task shaped like a flotilla step (SDK shape). */
export function aStepTask(id = 'img-1-step-1'): BatchServiceModels.TaskAddParameter {
  return {
    id,
    commandLine: "/bin/sh -c 'python run.py'",
    containerSettings: {
      imageName: 'myacr.azurecr.io/worker:1.0',
      containerRunOptions: '-v $AZ_BATCH_TASK_WORKING_DIR/in:/flotilla/in',
      workingDirectory: 'taskWorkingDirectory',
    },
    environmentSettings: [{ name: 'FLOTILLA_RUN_ID', value: 'run-1' }],
    resourceFiles: [{ httpUrl: 'https://acct.blob.core.windows.net/in/a.txt?sig=x', filePath: 'in/a.txt' }],
    outputFiles: [
      {
        filePattern: 'out/**/*',
        destination: {
          container: { containerUrl: 'https://acct.blob.core.windows.net/out?sig=x', path: 'r1' },
        },
        uploadOptions: { uploadCondition: 'taskcompletion' },
      },
    ],
    constraints: { maxWallClockTime: 'PT1H', retentionTime: 'P1D', maxTaskRetryCount: 2 },
    exitConditions: { default: { jobAction: 'none' } },
    userIdentity: { autoUser: { scope: 'task', elevationLevel: 'nonadmin' } },
    requiredSlots: 1,
  };
}

export function aContainerPool(id = 'pool-1'): BatchServiceModels.PoolAddParameter {
  return {
    id,
    vmSize: 'standard_d2s_v3',
    virtualMachineConfiguration: {
      imageReference: {
        publisher: 'microsoft-azure-batch',
        offer: 'ubuntu-server-container',
        sku: '20-04-lts',
        version: 'latest',
      },
      nodeAgentSKUId: 'batch.node.ubuntu 20.04',
      containerConfiguration: { containerImageNames: ['worker:1.0'] },
    },
    targetDedicatedNodes: 1,
    taskSlotsPerNode: 4,
  };
}
