// flotilla on Azure: what `azd up` provisions (docs/deploy.md). Subscription scope: one resource group per azd
// environment, every resource inside it. Native resource declarations only (no registry modules), so the
// template compiles offline: `npm run infra:build`.
targetScope = 'subscription'

@minLength(1)
@maxLength(64)
@description('azd environment name: names the resource group and seeds every resource name.')
param environmentName string

@minLength(1)
@description('Region of every resource, and of the ACI container groups flotilla starts (FLOTILLA_LOCATION).')
@metadata({ azd: { type: 'location' } })
param location string

@description('Object id of the deploying user (azd sets AZURE_PRINCIPAL_ID): may upload input images. Empty: no role.')
param principalId string = ''

@description('Durable Functions backend: queues and tables in the storage account, or a Durable Task Scheduler.')
@allowed(['AzureStorage', 'DurableTaskScheduler'])
param durableBackend string = 'AzureStorage'

@description('Durable Task Scheduler SKU (durableBackend = DurableTaskScheduler).')
@allowed(['Consumption', 'Dedicated'])
param durableTaskSchedulerSku string = 'Consumption'

@description('Durable task hub name (FLOTILLA_TASK_HUB; the scheduler\'s task hub with DurableTaskScheduler).')
@minLength(3)
@maxLength(45)
param taskHubName string = 'flotilla'

@description('Create a Batch account and a GPU container pool for `backend: batch` steps.')
param enableBatch bool = false

// Standard_NC6s_v3 (V100) was retired on 2025-09-30; NCasT4_v3 (T4) is the smallest current NVIDIA size.
@description('VM size of the Batch pool (a GPU size; needs Batch core quota for its family).')
param batchVmSize string = 'Standard_NC4as_T4_v3'

@description('Most nodes the Batch pool autoscales to (it idles at 0).')
@minValue(1)
param batchMaxNodes int = 2

@description('Tag of the stager image that infra/hooks/postprovision.sh builds and pushes to the registry.')
param stagerImageTag string = '0.1'

@description('Blob container watched for new images (FLOTILLA_IMAGES_CONTAINER).')
param imagesContainerName string = 'images'

@description('Blob container of step outputs, logs and manifests (pipeline specs\' outputs.container default).')
param resultsContainerName string = 'results'

@description('Blob container of stored pipeline specs (FLOTILLA_PIPELINES_CONTAINER).')
param pipelinesContainerName string = 'pipelines'

// Generated at deploy time and only ever stored in Key Vault. A new value each `azd provision`: the versioned
// Key Vault reference restarts the app on it; steps in flight then are finished by the status poll.
@secure()
@minLength(32)
@description('HMAC key for container callback tokens. Leave unset: a random value is generated.')
param callbackSecret string = '${newGuid()}${newGuid()}'

var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var tags = { 'azd-env-name': environmentName }
var deploymentContainerName = 'app-package-${take(resourceToken, 7)}'
var useScheduler = durableBackend == 'DurableTaskScheduler'
// Names are known before deployment (What-If can then predict the role assignments exactly).
var names = {
  identity: 'id-flotilla-${resourceToken}'
  logAnalytics: 'log-${resourceToken}'
  appInsights: 'appi-${resourceToken}'
  storage: 'st${resourceToken}'
  systemTopic: 'evgt-${resourceToken}'
  registry: 'cr${resourceToken}'
  vault: 'kv-${resourceToken}'
  batch: 'ba${resourceToken}'
  scheduler: 'dts-${resourceToken}'
  app: 'func-${resourceToken}'
  plan: 'plan-${resourceToken}'
}

resource rg 'Microsoft.Resources/resourceGroups@2024-03-01' = {
  name: 'rg-${environmentName}'
  location: location
  tags: tags
}

module identity 'app/identity.bicep' = {
  name: 'identity'
  scope: rg
  params: {
    name: names.identity
    location: location
    tags: tags
  }
}

module monitoring 'app/monitoring.bicep' = {
  name: 'monitoring'
  scope: rg
  params: {
    logAnalyticsName: names.logAnalytics
    appInsightsName: names.appInsights
    location: location
    tags: tags
  }
}

module storage 'app/storage.bicep' = {
  name: 'storage'
  scope: rg
  params: {
    name: names.storage
    location: location
    tags: tags
    containerNames: [imagesContainerName, resultsContainerName, pipelinesContainerName, deploymentContainerName]
    systemTopicName: names.systemTopic
  }
}

module registry 'app/registry.bicep' = {
  name: 'registry'
  scope: rg
  params: {
    name: names.registry
    location: location
    tags: tags
  }
}

module vault 'app/vault.bicep' = {
  name: 'vault'
  scope: rg
  params: {
    name: names.vault
    location: location
    tags: tags
    callbackSecret: callbackSecret
  }
}

module batch 'app/batch.bicep' = if (enableBatch) {
  name: 'batch'
  scope: rg
  params: {
    name: names.batch
    location: location
    tags: tags
    poolId: 'flotilla-gpu'
    vmSize: batchVmSize
    maxNodes: batchMaxNodes
    identityId: identity.outputs.id
    registryLoginServer: registry.outputs.loginServer
  }
}

module scheduler 'app/dts.bicep' = if (useScheduler) {
  name: 'scheduler'
  scope: rg
  params: {
    name: names.scheduler
    location: location
    tags: tags
    taskHubName: taskHubName
    skuName: durableTaskSchedulerSku
  }
}

var stagerImage = '${registry.outputs.loginServer}/flotilla-stager:${stagerImageTag}'

module api 'app/function-app.bicep' = {
  name: 'api'
  scope: rg
  params: {
    name: names.app
    planName: names.plan
    location: location
    tags: tags
    serviceName: 'api'
    identityId: identity.outputs.id
    identityClientId: identity.outputs.clientId
    storageBlobEndpoint: storage.outputs.blobEndpoint
    storageQueueEndpoint: storage.outputs.queueEndpoint
    storageTableEndpoint: storage.outputs.tableEndpoint
    deploymentContainerName: deploymentContainerName
    appInsightsConnectionString: monitoring.outputs.connectionString
    callbackSecretUri: vault.outputs.callbackSecretUri
    taskHubName: taskHubName
    stagerImage: stagerImage
    imagesContainer: imagesContainerName
    pipelinesContainer: pipelinesContainerName
    durableBackend: durableBackend
    schedulerEndpoint: useScheduler ? scheduler!.outputs.endpoint : ''
    batchUrl: enableBatch ? batch!.outputs.url : ''
    batchPoolId: enableBatch ? batch!.outputs.poolId : ''
  }
}

module rbac 'rbac.bicep' = {
  name: 'rbac'
  scope: rg
  params: {
    identityName: names.identity
    storageAccountName: names.storage
    registryName: names.registry
    vaultName: names.vault
    appInsightsName: names.appInsights
    batchAccountName: enableBatch ? names.batch : ''
    schedulerName: useScheduler ? names.scheduler : ''
    deployerPrincipalId: principalId
  }
  // By name, so the dependencies are stated: every scope must exist before its role assignment.
  dependsOn: [identity, storage, registry, vault, monitoring, batch, scheduler]
}

// azd writes these into .azure/<env>/.env; the hooks and docs/deploy.md read them.
output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = rg.name
output AZURE_FUNCTION_APP_NAME string = api.outputs.name
output SERVICE_API_URL string = api.outputs.url
output FLOTILLA_TARGET string = api.outputs.url
output AZURE_STORAGE_ACCOUNT_NAME string = storage.outputs.name
output AZURE_STORAGE_BLOB_URL string = storage.outputs.blobEndpoint
output AZURE_EVENTGRID_SYSTEM_TOPIC_NAME string = storage.outputs.systemTopicName
output FLOTILLA_IMAGES_CONTAINER string = imagesContainerName
output AZURE_CONTAINER_REGISTRY_NAME string = registry.outputs.name
output AZURE_CONTAINER_REGISTRY_ENDPOINT string = registry.outputs.loginServer
output FLOTILLA_STAGER_IMAGE string = stagerImage
output FLOTILLA_STAGER_IMAGE_TAG string = stagerImageTag
output FLOTILLA_DURABLE_BACKEND string = durableBackend
output AZURE_KEY_VAULT_NAME string = vault.outputs.name
output AZURE_MANAGED_IDENTITY_ID string = identity.outputs.id
output FLOTILLA_BATCH_URL string = enableBatch ? batch!.outputs.url : ''
