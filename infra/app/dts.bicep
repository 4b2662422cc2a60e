// Durable Task Scheduler (durableBackend = 'DurableTaskScheduler'): a managed Durable backend instead of
// queues and tables in the storage account. The app reaches it with its identity (Durable Task Data
// Contributor, infra/rbac.bicep) and infra/host.dts.json.
param name string
param location string
param tags object
param taskHubName string
@allowed(['Consumption', 'Dedicated'])
param skuName string

resource scheduler 'Microsoft.DurableTask/schedulers@2025-11-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    ipAllowlist: ['0.0.0.0/0']
    sku: skuName == 'Dedicated' ? { name: 'Dedicated', capacity: 1 } : { name: 'Consumption' }
  }
}

resource taskHub 'Microsoft.DurableTask/schedulers/taskHubs@2025-11-01' = {
  parent: scheduler
  name: taskHubName
}

output name string = scheduler.name
output endpoint string = scheduler.properties.endpoint
output taskHubName string = taskHub.name
