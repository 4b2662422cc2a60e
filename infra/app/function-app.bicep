// The flotilla function app on Flex Consumption (FC1): Node 22, HTTPS only, TLS 1.2, running as the
// user-assigned identity. Every connection is identity-based; the only secret setting is a Key Vault reference.
// App settings are one literal object so infra tests can read every name from the compiled template.
param name string
param planName string
param location string
param tags object
@description('azd service name (azure.yaml services.<name>): azd finds the app to deploy by this tag.')
param serviceName string
param identityId string
param identityClientId string
param storageBlobEndpoint string
param storageQueueEndpoint string
param storageTableEndpoint string
param deploymentContainerName string
param appInsightsConnectionString string
@description('Versioned Key Vault secret URI of the callback HMAC key.')
param callbackSecretUri string
param taskHubName string
param stagerImage string
param imagesContainer string
param pipelinesContainer string
@allowed(['AzureStorage', 'DurableTaskScheduler'])
param durableBackend string
@description('Durable Task Scheduler endpoint; empty with the Azure Storage backend.')
param schedulerEndpoint string
@description('Batch account URL; empty when Batch is not enabled.')
param batchUrl string
param batchPoolId string
param maximumInstanceCount int = 100
param instanceMemoryMB int = 2048

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    name: 'FC1'
    tier: 'FlexConsumption'
  }
  properties: {
    reserved: true
  }
}

resource site 'Microsoft.Web/sites@2024-04-01' = {
  name: name
  location: location
  tags: union(tags, { 'azd-service-name': serviceName })
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: { '${identityId}': {} }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    keyVaultReferenceIdentity: identityId
    siteConfig: {
      minTlsVersion: '1.2'
      scmMinTlsVersion: '1.2'
      ftpsState: 'Disabled'
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${storageBlobEndpoint}${deploymentContainerName}'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityId
          }
        }
      }
      scaleAndConcurrency: {
        maximumInstanceCount: maximumInstanceCount
        instanceMemoryMB: instanceMemoryMB
      }
      runtime: {
        name: 'node'
        version: '22'
      }
    }
  }
}

var useScheduler = durableBackend == 'DurableTaskScheduler'

resource appSettings 'Microsoft.Web/sites/config@2024-04-01' = {
  parent: site
  name: 'appsettings'
  properties: {
    // Functions host storage (Durable queues/tables with the Azure Storage backend, blob trigger, leases).
    AzureWebJobsStorage__blobServiceUri: storageBlobEndpoint
    AzureWebJobsStorage__queueServiceUri: storageQueueEndpoint
    AzureWebJobsStorage__tableServiceUri: storageTableEndpoint
    AzureWebJobsStorage__credential: 'managedidentity'
    AzureWebJobsStorage__clientId: identityClientId
    // DefaultAzureCredential in src/composition.ts picks the user-assigned identity by this.
    AZURE_CLIENT_ID: identityClientId
    APPLICATIONINSIGHTS_CONNECTION_STRING: appInsightsConnectionString
    APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identityClientId};Authorization=AAD'
    // Read by infra/host.dts.json (the package built with FLOTILLA_DURABLE_BACKEND=DurableTaskScheduler).
    DURABLE_TASK_SCHEDULER_CONNECTION_STRING: useScheduler
      ? 'Endpoint=${schedulerEndpoint};Authentication=ManagedIdentity;ClientID=${identityClientId}'
      : ''
    // src/config/settings.ts
    FLOTILLA_TASK_HUB: taskHubName
    FLOTILLA_STORAGE_BLOB_URL: storageBlobEndpoint
    FLOTILLA_SUBSCRIPTION_ID: subscription().subscriptionId
    FLOTILLA_RESOURCE_GROUP: resourceGroup().name
    FLOTILLA_LOCATION: location
    FLOTILLA_CALLBACK_BASE_URL: 'https://${site.properties.defaultHostName}'
    FLOTILLA_CALLBACK_SECRET: '@Microsoft.KeyVault(SecretUri=${callbackSecretUri})'
    FLOTILLA_STAGER_IMAGE: stagerImage
    FLOTILLA_ACI_IDENTITY_ID: identityId
    FLOTILLA_IMAGES_CONTAINER: imagesContainer
    FLOTILLA_PIPELINES_CONTAINER: pipelinesContainer
    // Empty counts as unset (src/config/load-config.ts): no Batch unless enableBatch.
    FLOTILLA_BATCH_URL: batchUrl
    FLOTILLA_BATCH_POOL_ID: batchPoolId
  }
}

output name string = site.name
output url string = 'https://${site.properties.defaultHostName}'
output hostName string = site.properties.defaultHostName
