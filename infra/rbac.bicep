// Every role assignment of a flotilla deployment, each at the narrowest scope the code needs and each with
// the code path that needs it. Principal: the one user-assigned identity (infra/app/identity.bicep), which
// the function app runs as and which ACI container groups and the Batch pool use for registry pulls.
// tests/infra/template.test.ts keeps this list and the code paths in step (role id -> code path table).
@description('The user-assigned identity: the principal of every assignment but the deployer\'s, and a scope.')
param identityName string
param storageAccountName string
param registryName string
param vaultName string
param appInsightsName string
@description('Batch account name; empty when Batch is not enabled.')
param batchAccountName string
@description('Durable Task Scheduler name; empty with the Azure Storage backend.')
param schedulerName string
@description('Object id of the deploying user (optional): may upload input images with az storage blob upload --auth-mode login.')
param deployerPrincipalId string

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: storageAccountName
}
resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' existing = {
  name: identityName
}
var principalId = identity.properties.principalId
resource registry 'Microsoft.ContainerRegistry/registries@2023-07-01' existing = {
  name: registryName
}
resource vault 'Microsoft.KeyVault/vaults@2023-07-01' existing = {
  name: vaultName
}
resource appInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: appInsightsName
}
resource batchAccount 'Microsoft.Batch/batchAccounts@2024-07-01' existing = if (!empty(batchAccountName)) {
  name: batchAccountName
}
resource scheduler 'Microsoft.DurableTask/schedulers@2025-11-01' existing = if (!empty(schedulerName)) {
  name: schedulerName
}

// Storage Blob Data Owner on the account: the Functions host (AzureWebJobsStorage__blobServiceUri: Durable
// leases and large payloads, blob trigger receipts), the Flex deployment package container, and
// src/storage/blob-store.ts (images, results, pipelines: read, write, list, delete, tags).
resource blobDataOwner 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storage.id, identity.id, 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b')
  scope: storage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b')
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

// Storage Queue Data Contributor on the account: Durable Functions control and work-item queues
// (AzureWebJobsStorage__queueServiceUri) and the Event Grid blob trigger's poison queue.
resource queueDataContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storage.id, identity.id, '974c5e8b-45b9-4653-ba55-5f855dd0fb88')
  scope: storage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '974c5e8b-45b9-4653-ba55-5f855dd0fb88')
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

// Storage Table Data Contributor on the account: Durable Functions history and instances tables
// (AzureWebJobsStorage__tableServiceUri).
resource tableDataContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storage.id, identity.id, '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3')
  scope: storage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3')
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

// Storage Blob Delegator on the account: src/storage/sas.ts UserDelegationSasSigner (getUserDelegationKey)
// signs the per-step read/write SAS handed to stagers and Batch tasks. Stated on its own so the SAS path does
// not silently depend on the broader data role above.
resource blobDelegator 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storage.id, identity.id, 'db58b8e5-c6ad-4a2a-8342-4190687cbf4a')
  scope: storage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', 'db58b8e5-c6ad-4a2a-8342-4190687cbf4a')
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

// A custom role limited to container groups in this resource group: src/compute/aci/aci-backend.ts
// (ContainerGroups_CreateOrUpdate, _Get, _Update for keep, _Delete, _ListByResourceGroup for the sweeper,
// Containers_ListLogs). Narrower than Contributor on the resource group.
resource containerGroupsRole 'Microsoft.Authorization/roleDefinitions@2022-04-01' = {
  name: guid(resourceGroup().id, 'flotilla-container-groups')
  properties: {
    roleName: 'flotilla container groups (${resourceGroup().name})'
    description: 'Create, read, update, delete and read logs of container groups in one resource group (flotilla).'
    type: 'customRole'
    assignableScopes: [resourceGroup().id]
    permissions: [
      {
        actions: ['Microsoft.ContainerInstance/containerGroups/*']
        notActions: []
      }
    ]
  }
}

resource containerGroupsOperator 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(resourceGroup().id, identity.id, containerGroupsRole.id)
  properties: {
    roleDefinitionId: containerGroupsRole.id
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

// Managed Identity Operator on the identity itself: src/compute/aci/group-body.ts attaches it to container
// groups (identity.userAssignedIdentities, FLOTILLA_ACI_IDENTITY_ID) so ACI can pull from the registry;
// ARM checks .../userAssignedIdentities/assign/action on the caller.
resource identityOperator 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(identity.id, 'f1a07417-d97a-45cb-824c-7a7467783830')
  scope: identity
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', 'f1a07417-d97a-45cb-824c-7a7467783830')
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

// AcrPull on the registry: ACI container groups (stager image FLOTILLA_STAGER_IMAGE, registry.identity in
// src/compute/aci/group-body.ts) and Batch pools (identityReference in src/compute/batch/task-body.ts) pull
// with this identity.
resource acrPull 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(registry.id, identity.id, '7f951dda-4ed3-4680-a7ca-43fe172d538d')
  scope: registry
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '7f951dda-4ed3-4680-a7ca-43fe172d538d')
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

// Key Vault Secrets User on the vault: the FLOTILLA_CALLBACK_SECRET Key Vault reference (resolved by App
// Service with keyVaultReferenceIdentity) and keyvault: step secrets in src/secrets/secret-resolver.ts.
resource secretsUser 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(vault.id, identity.id, '4633458b-17de-408a-b874-0445c86b69e6')
  scope: vault
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '4633458b-17de-408a-b874-0445c86b69e6')
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

// Monitoring Metrics Publisher on Application Insights: the host sends telemetry with Entra auth
// (APPLICATIONINSIGHTS_AUTHENTICATION_STRING); the component has local auth disabled.
resource metricsPublisher 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(appInsights.id, identity.id, '3913510d-42f4-4e42-8a64-420c390055eb')
  scope: appInsights
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '3913510d-42f4-4e42-8a64-420c390055eb')
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

// Azure Batch Data Contributor on the Batch account (enableBatch): src/compute/batch/batch-backend.ts adds
// pools, jobs and tasks, lists task completions and deletes jobs over the Batch data plane.
resource batchDataContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(batchAccountName)) {
  name: guid(batchAccount.id, identity.id, '6aaa78f1-f7de-44ca-8722-c64a23943cae')
  scope: batchAccount
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '6aaa78f1-f7de-44ca-8722-c64a23943cae')
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

// Durable Task Data Contributor on the scheduler (durableBackend = 'DurableTaskScheduler'): the Durable
// extension (infra/host.dts.json, DURABLE_TASK_SCHEDULER_CONNECTION_STRING) runs orchestrations through it.
resource durableTaskDataContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(schedulerName)) {
  name: guid(scheduler.id, identity.id, '0ad04412-c4d5-4796-b79c-f76d14c8d402')
  scope: scheduler
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '0ad04412-c4d5-4796-b79c-f76d14c8d402')
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

// Storage Blob Data Contributor for the deploying user (optional): shared keys are off, so uploading input
// images (docs/deploy.md) needs a data role.
resource deployerBlobContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(deployerPrincipalId)) {
  name: guid(storage.id, deployerPrincipalId, 'ba92f5b4-2d11-453d-a403-e96b0029c9fe')
  scope: storage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', 'ba92f5b4-2d11-453d-a403-e96b0029c9fe')
    principalId: deployerPrincipalId
    principalType: 'User'
  }
}
