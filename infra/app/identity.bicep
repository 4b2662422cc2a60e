// The one user-assigned identity of a flotilla deployment: the function app runs as it (storage, Durable,
// Key Vault references, ARM calls for ACI, Batch data plane), ACI container groups and the Batch pool pull
// images from the registry with it. Its roles are all in infra/rbac.bicep.
param name string
param location string
param tags object

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: name
  location: location
  tags: tags
}

output id string = identity.id
output name string = identity.name
output principalId string = identity.properties.principalId
output clientId string = identity.properties.clientId
