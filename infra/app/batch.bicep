// Optional Batch account (enableBatch) for GPU steps (ACI has no GPUs since 2025-07-14): Entra ID auth only,
// and one container pool that autoscales on pending tasks from and back to zero nodes, so idle costs nothing.
// Pools that pipeline specs describe are created by flotilla itself (src/compute/batch/task-body.ts).
param name string
param location string
param tags object
param poolId string
param vmSize string
@minValue(1)
param maxNodes int
@description('Resource id of the user-assigned identity: the pool\'s identity, used for registry pulls.')
param identityId string
param registryLoginServer string

resource account 'Microsoft.Batch/batchAccounts@2024-07-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    poolAllocationMode: 'BatchService'
    // No shared keys: flotilla signs every Batch call with an Entra token (src/compute/batch/batch-client.ts).
    allowedAuthenticationModes: ['AAD']
    publicNetworkAccess: 'Enabled'
  }
}

// Samples of $PendingTasks exist only once the pool has seen work; until then the formula keeps 0 nodes.
var autoScaleFormula = join(
  [
    '$havePending = $PendingTasks.GetSamplePercent(TimeInterval_Minute * 5) > 0;'
    '$wanted = $havePending ? max(0, $PendingTasks.GetSample(1)) : 0;'
    '$TargetDedicatedNodes = min(${maxNodes}, $wanted);'
    '$TargetLowPriorityNodes = 0;'
    '$NodeDeallocationOption = taskcompletion;'
  ],
  ' '
)

resource pool 'Microsoft.Batch/batchAccounts/pools@2024-07-01' = {
  parent: account
  name: poolId
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: { '${identityId}': {} }
  }
  properties: {
    vmSize: vmSize
    taskSlotsPerNode: 1
    interNodeCommunication: 'Disabled'
    deploymentConfiguration: {
      virtualMachineConfiguration: {
        // Ubuntu 22.04 HPC image: Docker-compatible engine and NVIDIA drivers for GPU sizes.
        imageReference: {
          publisher: 'microsoft-dsvm'
          offer: 'ubuntu-hpc'
          sku: '2204'
          version: 'latest'
        }
        nodeAgentSkuId: 'batch.node.ubuntu 22.04'
        containerConfiguration: {
          type: 'DockerCompatible'
          containerRegistries: [
            {
              registryServer: registryLoginServer
              identityReference: { resourceId: identityId }
            }
          ]
        }
      }
    }
    scaleSettings: {
      autoScale: {
        formula: autoScaleFormula
        evaluationInterval: 'PT5M'
      }
    }
  }
}

output name string = account.name
output url string = 'https://${account.properties.accountEndpoint}'
output poolId string = pool.name
