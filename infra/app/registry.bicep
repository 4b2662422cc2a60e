// The container registry for flotilla's stager image (pushed by infra/hooks/postprovision.sh) and, if you
// like, your step images. Basic SKU, no admin user: pulls use the user-assigned identity (AcrPull).
param name string
param location string
param tags object

resource registry 'Microsoft.ContainerRegistry/registries@2023-07-01' = {
  name: name
  location: location
  tags: tags
  sku: { name: 'Basic' }
  properties: {
    adminUserEnabled: false
    publicNetworkAccess: 'Enabled'
  }
}

output name string = registry.name
output loginServer string = registry.properties.loginServer
